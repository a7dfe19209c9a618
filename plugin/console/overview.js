// Overview: node, feed, counters, version, and decoded packets per minute over the last hour from
// samples of /v1/info that the page keeps (in sessionStorage, so a reload keeps the chart).
import {api, metricsText, token} from './api.js';
import {h, replace} from './dom.js';

const SAMPLE_MS = 10000;
const HOUR_MINUTES = 60;
const SAMPLES_KEY = 'mamgate.samples';
const SVG = 'http://www.w3.org/2000/svg';

let samples = JSON.parse(sessionStorage.getItem(SAMPLES_KEY) || '[]');
let latest = null; // {info, metrics} of the last sample, or {error}
const listeners = new Set();

function keepSample(info) {
  const now = Date.now();
  samples.push([now, info.counters.packets_decoded]);
  samples = samples.filter(([t]) => now - t <= (HOUR_MINUTES + 1) * 60000);
  sessionStorage.setItem(SAMPLES_KEY, JSON.stringify(samples));
}

async function sample() {
  if (latest && latest.error && latest.error.status === 401 && !token.get()) return; // until sign-in
  try {
    const [info, metrics] = await Promise.all([api('GET', '/v1/info'), metricsText()]);
    keepSample(info);
    latest = {info, metrics};
  } catch (err) {
    latest = {error: err};
  }
  for (const fn of listeners) fn();
}

// Starts sampling once for the page's life; the overview view listens while shown.
let timer = null;
export function startSampling() {
  if (timer !== null) return;
  timer = setInterval(sample, SAMPLE_MS);
  sample();
}

// Packets decoded in each of the last 60 minutes (oldest first). A counter that went down (a
// gateway restart) counts from zero.
export function perMinute(points, now) {
  const bins = new Array(HOUR_MINUTES).fill(0);
  const thisMinute = Math.floor(now / 60000);
  for (let i = 1; i < points.length; i++) {
    const [t, value] = points[i];
    const before = points[i - 1][1];
    const bin = HOUR_MINUTES - 1 - (thisMinute - Math.floor(t / 60000));
    if (bin >= 0 && bin < HOUR_MINUTES) bins[bin] += value >= before ? value - before : value;
  }
  return bins;
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

// Bars scaled to the busiest minute; the axis labels are HTML so they keep their size.
function chart(bins) {
  const width = bins.length * 10, height = 100, max = Math.max(1, ...bins);
  const total = bins.reduce((a, b) => a + b, 0);
  const label = `Decoded packets per minute, last hour: ${total} in all, at most ${max} in a minute`;
  const root = svg('svg', {viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
                           'aria-label': label, class: 'chart'});
  root.append(svg('line', {x1: 0, y1: height, x2: width, y2: height, class: 'axis'}));
  bins.forEach((n, i) => {
    if (!n) return;
    const barHeight = Math.max(1, (n / max) * (height - 2));
    const rect = svg('rect', {x: i * 10 + 1, y: height - barHeight, width: 8, height: barHeight});
    const title = svg('title', {});
    title.textContent = `${HOUR_MINUTES - 1 - i} min ago: ${n}`;
    rect.append(title);
    root.append(rect);
  });
  return h('figure', {class: 'chart-box'}, root,
    h('figcaption', {class: 'axis-labels'}, h('span', {}, '60 min ago'), h('span', {}, `${total} in the hour`),
      h('span', {}, `now · peak ${max}/min`)));
}

// mamgate_decode_rejected_total{reason="..."} N lines of the Prometheus text.
export function rejectedByReason(metrics) {
  const out = [];
  for (const m of metrics.matchAll(/^mamgate_decode_rejected_total\{reason="((?:[^"\\]|\\.)*)"\} (\d+)$/gm))
    out.push([m[1].replace(/\\(.)/g, '$1'), Number(m[2])]);
  return out;
}

function metricValue(metrics, name) {
  const m = metrics.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

function state(ok, yes, no) {
  return h('span', {class: ok ? 'ok' : 'bad'}, ok ? yes : no);
}

// How long ago the feed's last frame came ("never" before the first).
export function lastFrame(at, now) {
  if (at === null || at === undefined) return 'never';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  return seconds < 120 ? `${seconds} s ago` : `${Math.round(seconds / 60)} min ago`;
}

function dl(rows) {
  return h('dl', {class: 'facts'}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function render(root) {
  if (!latest) return replace(root, h('h1', {}, 'Overview'), h('p', {}, 'Loading…'));
  if (latest.error) {
    return replace(root, h('h1', {}, 'Overview'), h('p', {class: 'error'}, latest.error.message));
  }
  const {info, metrics} = latest;
  const c = info.counters;
  const rejected = rejectedByReason(metrics);
  replace(root,
    h('h1', {}, 'Overview'),
    h('div', {class: 'cards'},
      h('section', {class: 'card', 'aria-labelledby': 'ov-gw'}, h('h2', {id: 'ov-gw'}, 'Gateway'), dl([
        ['Version', info.version],
        ['Node', state(info.node_reachable, 'reachable', 'unreachable')],
        ['Feed', state(info.feed_connected, 'connected', 'disconnected')],
        ['Last frame', lastFrame(info.feed_last_frame_at, Date.now())],
        ['Store', info.store],
        ['Queued', info.queued],
        ['Watched channels', info.watches],
        ['Newest cursor', info.last_cursor],
      ])),
      h('section', {class: 'card', 'aria-labelledby': 'ov-counters'}, h('h2', {id: 'ov-counters'}, 'Counters'), dl([
        ['Feed transactions', c.feed_transactions],
        ['Matched', c.feed_matched],
        ['Invalid', c.feed_invalid],
        ['Bundles', c.bundles_completed],
        ['Packets decoded', c.packets_decoded],
        ['Packets stored', c.packets_stored],
        ['Messages published', c.messages_published],
        ['Publish failures', c.publish_failures],
        ['Back-fill runs', metricValue(metrics, 'mamgate_backfill_runs_total')],
      ])),
      h('section', {class: 'card', 'aria-labelledby': 'ov-rejected'}, h('h2', {id: 'ov-rejected'}, 'Rejected by reason'),
        rejected.length ? dl(rejected) : h('p', {}, 'None.'))),
    h('section', {class: 'card wide', 'aria-labelledby': 'ov-chart'},
      h('h2', {id: 'ov-chart'}, 'Decoded packets per minute'),
      chart(perMinute(samples, Date.now())),
      h('p', {class: 'hint'}, `Sampled every ${SAMPLE_MS / 1000} s while this page is open.`)));
}

export function overview(root) {
  const update = () => render(root);
  listeners.add(update);
  update();
  sample(); // fresh figures now, not at the next tick
  return () => listeners.delete(update);
}
