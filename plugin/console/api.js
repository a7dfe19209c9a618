// The public REST API and its Server-Sent Events streams. The token lives in sessionStorage only
// and travels in the Authorization header, never in a URL.

const TOKEN_KEY = 'mamgate.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra = {}) {
  const out = {...extra};
  const t = token.get();
  if (t) out.Authorization = `Bearer ${t}`;
  return out;
}

let onRefused = () => {};
// fn(status) runs whenever the gateway refuses the token or its absence (401, 403).
export function whenRefused(fn) {
  onRefused = fn;
}

async function failure(res) {
  if (res.status === 401 || res.status === 403) onRefused(res.status);
  let error = {};
  try {
    error = (await res.json()).error || {};
  } catch {
    // not JSON: the status line says enough
  }
  return new ApiError(res.status, error.code || `http_${res.status}`,
                      error.message || `${res.status} ${res.statusText}`);
}

// JSON in, JSON out; throws ApiError with the API's message.
export async function api(method, path, body) {
  const init = {method, headers: headers({Accept: 'application/json'}), cache: 'no-store'};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res);
  return res.status === 204 ? null : res.json();
}

export async function metricsText() {
  const res = await fetch('/metrics', {headers: headers(), cache: 'no-store'});
  if (!res.ok) throw await failure(res);
  return res.text();
}

// Splits SSE text into events; returns the events and the unfinished tail.
export function parseEvents(text) {
  const events = [];
  const blocks = text.split(/\r?\n\r?\n/);
  const tail = blocks.pop();
  for (const block of blocks) {
    const event = {id: null, type: 'message', data: []};
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'data') event.data.push(value);
      else if (name === 'id') event.id = value;
      else if (name === 'event') event.type = value;
    }
    if (event.data.length) events.push({...event, data: event.data.join('\n')});
  }
  return {events, tail};
}

const RETRY_MS = 2000;

// Follows a stream from cursor on with fetch (EventSource cannot send the Authorization header),
// reconnecting from the last event's id, until signal aborts. onPacket gets each decoded packet.
export async function follow(path, cursor, onPacket, signal) {
  while (!signal.aborted) {
    try {
      const res = await fetch(`${path}?cursor=${encodeURIComponent(cursor)}`,
                              {headers: headers({Accept: 'text/event-stream'}), cache: 'no-store', signal});
      if (!res.ok) throw await failure(res);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let pending = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        const {events, tail} = parseEvents(pending + value);
        pending = tail;
        for (const event of events) {
          if (event.id !== null) cursor = event.id;
          if (event.type === 'message') onPacket(JSON.parse(event.data));
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
