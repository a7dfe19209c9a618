// Channels: own channels (signatures left, endpoints) and watched ones; a channel page with its
// decoded messages, newest first, live from the stream.
import {api, follow, token} from './api.js';
import {append, field, h, mono, replace, showError, showResult, statusLine, time} from './dom.js';

const PAGE = 200;           // packets per GET of the messages route
const SHOWN_STEP = 50;      // messages shown at first and added by "Show older"

function capacity(height) {
  return 2 ** height;
}

function signatures(tree) {
  const total = capacity(tree.height);
  const meter = h('meter', {min: 0, max: total, value: tree.remaining_signatures, low: total / 4, optimum: total,
                            'aria-label': 'Signatures left'});
  return h('span', {class: 'sigs'}, meter, ` ${tree.remaining_signatures} of ${total} signatures left`);
}

function channelLink(id) {
  return h('a', {href: `#/channel/${id}`, class: 'id'}, id);
}

function createChannelForm(onCreated) {
  const height = h('input', {type: 'number', min: 0, max: 16, value: 3, required: true, name: 'height'});
  const status = statusLine();
  const button = h('button', {type: 'submit', disabled: !token.get()}, 'Create channel');
  const form = h('form', {class: 'inline', 'aria-label': 'Create a channel'},
    field('Merkle tree height', height, 'a height of h gives 2^h signatures'), button, status);
  if (!token.get()) showResult(status, 'Sign in to create channels.');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    showResult(status, 'Creating (key generation can take a while)…');
    try {
      const ch = await api('POST', '/v1/channels', {height: Number(height.value)});
      showResult(status, 'Created ', channelLink(ch.channel_id));
      onCreated();
    } catch (err) {
      showError(status, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function ownChannel(ch) {
  return h('li', {class: 'card'},
    h('h3', {}, channelLink(ch.channel_id)),
    h('p', {}, `height ${ch.height} · `, signatures(ch)),
    ch.endpoints.length ? h('details', {},
      h('summary', {}, `${ch.endpoints.length} endpoint${ch.endpoints.length > 1 ? 's' : ''}`),
      h('ul', {class: 'plain'}, ch.endpoints.map((ep) => h('li', {},
        mono(ep.endpoint_id), ep.endpoint_id === ch.active_endpoint_id ? ' (active) ' : ' ', signatures(ep))))) : null,
    h('p', {}, h('a', {href: `#/publish/${ch.channel_id}`}, 'Publish on this channel')));
}

export function channels(root) {
  const own = h('ul', {class: 'plain list'}, h('li', {}, 'Loading…'));
  const watched = h('ul', {class: 'plain list'}, h('li', {}, 'Loading…'));
  async function load() {
    try {
      const [c, w] = await Promise.all([api('GET', '/v1/channels'), api('GET', '/v1/watches')]);
      replace(own, c.channels.length ? c.channels.map(ownChannel) : h('li', {}, 'No channel yet.'));
      replace(watched, w.watches.length ? w.watches.map((x) => h('li', {}, channelLink(x.channel_id),
        ` · ${x.psk_ids.length} PSK, ${x.ntru_key_ids.length} NTRU · since `, time(x.created_at))) :
        h('li', {}, 'No watched channel.'));
    } catch (err) {
      replace(own, h('li', {class: 'error'}, err.message));
      replace(watched);
    }
  }
  replace(root, h('h1', {}, 'Channels'),
    h('section', {'aria-labelledby': 'ch-own'}, h('h2', {id: 'ch-own'}, 'Own channels'), createChannelForm(load), own),
    h('section', {'aria-labelledby': 'ch-watched'}, h('h2', {id: 'ch-watched'}, 'Watched channels'),
      h('p', {}, h('a', {href: '#/watch'}, 'Watch a channel')), watched));
  load();
}

// ---- one channel's messages

function payloadView(p) {
  if (p.payload !== null && p.payload !== undefined)
    return h('div', {class: 'payload'}, h('span', {class: 'tag'}, 'text'), h('pre', {}, p.payload));
  return h('div', {class: 'payload'},
    h('span', {class: 'tag'}, 'base64'), h('pre', {}, p.payload_base64),
    h('span', {class: 'tag'}, 'trytes'), h('pre', {}, p.payload_trytes));
}

function packetView(p) {
  return h('li', {class: 'packet'}, h('dl', {class: 'facts'},
    h('dt', {}, 'Order'), h('dd', {}, `${p.ord}${p.last ? ' (last)' : ''}`),
    h('dt', {}, 'Checksum'), h('dd', {}, p.leaf === null || p.leaf === undefined ? p.checksum : `${p.checksum} (Merkle leaf ${p.leaf})`),
    h('dt', {}, 'Verified'), h('dd', {}, h('span', {class: p.verified ? 'ok' : 'bad'}, p.verified ? 'yes' : 'no')),
    h('dt', {}, 'Endpoint'), h('dd', {}, mono(p.endpoint_id)),
    h('dt', {}, 'Payload'), h('dd', {}, payloadView(p)),
    h('dt', {}, 'Bundle'), h('dd', {}, mono(p.bundle)),
    h('dt', {}, 'Time'), h('dd', {}, time(p.received_at))));
}

function preview(packets) {
  const text = packets.map((p) => (p.payload !== null && p.payload !== undefined ? p.payload : `[${p.payload_base64}]`)).join('');
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

// Messages by id, newest (highest first cursor) first; packets in order within a message.
class MessageList {
  constructor(list, more) {
    this.list = list;
    this.more = more;
    this.messages = new Map();
    this.shown = SHOWN_STEP;
  }

  add(packet) {
    let m = this.messages.get(packet.message_id);
    if (!m) {
      m = {id: packet.message_id, first: packet.cursor, packets: []};
      this.messages.set(m.id, m);
    }
    if (m.packets.some((p) => p.cursor === packet.cursor)) return;
    m.packets.push(packet);
    m.packets.sort((a, b) => a.ord - b.ord);
    m.el = this.view(m, m.el);
  }

  view(m, old) {
    const open = old ? old.open : false;
    const last = m.packets[m.packets.length - 1];
    const el = h('details', {class: 'message', open, 'data-message-id': m.id},
      h('summary', {},
        h('span', {class: 'when'}, time(m.packets[0].received_at)),
        h('span', {class: 'what'}, preview(m.packets)),
        h('span', {class: 'meta'}, `${m.packets.length} packet${m.packets.length > 1 ? 's' : ''} · ${last.checksum}`,
          last.verified ? ' · verified' : '')),
      h('p', {}, 'Message ', mono(m.id)),
      h('ol', {class: 'plain packets'}, m.packets.map(packetView)));
    if (old) old.replaceWith(el);
    return el;
  }

  render() {
    const sorted = [...this.messages.values()].sort((a, b) => b.first - a.first);
    replace(this.list, sorted.length ? sorted.slice(0, this.shown).map((m) => h('li', {}, m.el)) :
      h('li', {}, 'No decoded message yet.'));
    this.more.hidden = sorted.length <= this.shown;
  }
}

function endpointForm(id, onCreated) {
  const height = h('input', {type: 'number', min: 0, max: 16, value: 3, required: true, name: 'height'});
  const button = h('button', {type: 'submit'}, 'Add endpoint');
  const status = statusLine();
  const form = h('form', {class: 'inline', 'aria-label': 'Add an endpoint'},
    field('Endpoint height', height), button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    showResult(status, 'Creating and announcing the endpoint…');
    try {
      const ep = await api('POST', `/v1/channels/${id}/endpoints`, {height: Number(height.value)});
      showResult(status, 'Endpoint ', mono(ep.endpoint_id), ' announced.');
      onCreated();
    } catch (err) {
      showError(status, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// What this gateway knows of the channel: its signatures and endpoints when it owns it.
async function channelHeader(id, refresh) {
  try {
    const ch = await api('GET', `/v1/channels/${id}`);
    return h('div', {},
      h('p', {}, `Own channel · height ${ch.height} · `, signatures(ch), ' · ',
        h('a', {href: `#/publish/${id}`}, 'Publish on this channel')),
      ch.endpoints.length ? h('ul', {class: 'plain', 'aria-label': 'Endpoints'}, ch.endpoints.map((ep) => h('li', {},
        'Endpoint ', mono(ep.endpoint_id), ep.endpoint_id === ch.active_endpoint_id ? ' (active) ' : ' ', signatures(ep)))) : null,
      token.get() ? endpointForm(id, refresh) : null);
  } catch (err) {
    if (err.status === 404) return h('p', {}, 'Watched channel (not owned by this gateway).');
    return h('p', {class: 'error'}, err.message);
  }
}

const HEADER_REFRESH_MS = 1000;

export function channelPage(root, id) {
  const abort = new AbortController();
  const list = h('ul', {class: 'plain messages', 'aria-live': 'polite', 'aria-label': 'Messages, newest first'},
    h('li', {}, 'Loading…'));
  const more = h('button', {type: 'button', hidden: true}, 'Show older');
  const live = statusLine();
  live.classList.add('live');
  const messages = new MessageList(list, more);
  more.addEventListener('click', () => {
    messages.shown += SHOWN_STEP;
    messages.render();
  });
  const header = h('div', {});
  replace(root, h('h1', {}, 'Channel'), h('p', {}, mono(id)), header, live,
    h('h2', {}, 'Messages'), list, more);
  let refreshing = null; // one header refresh at a time, at most every HEADER_REFRESH_MS
  // force: also when the focus is in the header (the endpoint form asked for it)
  const refreshHeader = (force = false) => {
    if (refreshing || abort.signal.aborted) return;
    refreshing = setTimeout(async () => {
      const el = await channelHeader(id, () => refreshHeader(true));
      if (!abort.signal.aborted && (force || !header.contains(document.activeElement))) replace(header, el);
      refreshing = null;
    }, HEADER_REFRESH_MS);
  };
  channelHeader(id, () => refreshHeader(true)).then((el) => append(header, el));

  (async () => {
    let cursor = 0;
    try {
      for (;;) {  // the stored packets, page by page
        const page = await api('GET', `/v1/channels/${id}/messages?cursor=${cursor}&limit=${PAGE}`);
        page.messages.forEach((p) => messages.add(p));
        cursor = page.next_cursor;
        if (page.messages.length < PAGE || abort.signal.aborted) break;
      }
      messages.render();
      showResult(live, 'Live: new messages appear here.');
      await follow(`/v1/channels/${id}/stream`, cursor, (p) => {
        messages.add(p);
        messages.render();
        refreshHeader(); // signatures left change as messages go out
      }, abort.signal);
    } catch (err) {
      if (!abort.signal.aborted) showError(live, err);
    }
  })();
  return () => abort.abort();
}
