// Small DOM helpers shared by the views: element building, the live
// message region, dates, source counts and the weekly bar chart. Nothing
// here writes a `style` attribute (the page's CSP forbids them).

import { ApiError, isAbort } from '/assets/api.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'rect', 'line', 'text', 'title', 'g']);
const PROPS = new Set(['checked', 'disabled', 'hidden', 'selected', 'required', 'multiple', 'open', 'indeterminate']);

/** `h('button', {class: 'x', onclick}, 'text', child, [more])` */
export function h(tag, props, ...kids) {
  const svg = SVG_TAGS.has(tag);
  const el = svg ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  let value;
  for (const [key, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (key === 'text') el.textContent = String(v);
    else if (key === 'value') value = v;
    else if (key === 'dataset') Object.assign(el.dataset, v);
    else if (key.startsWith('on') && typeof v === 'function') el.addEventListener(key.slice(2), v);
    else if (!svg && PROPS.has(key)) el[key] = Boolean(v);
    else if (key === 'style') throw new Error('no style attributes under the CSP; use a class');
    else el.setAttribute(key, v === true ? '' : String(v));
  }
  append(el, kids);
  if (value !== undefined) el.value = value;
  return el;
}

export function append(el, kids) {
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// ---- the live region ------------------------------------------------------

const MAX_OLDER = 30;

/**
 * Says `text` in the page's aria-live region (kind: info | ok | error).
 * The newest message stays in view until the next one or Dismiss; older
 * ones move to "Earlier messages".
 */
export function say(text, kind = 'info') {
  const live = document.getElementById('live');
  const bar = document.getElementById('live-bar');
  if (!live || !bar) return;
  retire();
  const time = new Date().toISOString().slice(11, 19);
  live.append(h('p', { class: ['message', kind], dataset: { kind } },
    h('span', { class: 'visually-hidden', text: kind === 'error' ? 'Error: ' : '' }),
    h('span', { class: 'message-text', text }),
    h('time', { class: 'message-time', text: ` ${time} UTC` })));
  bar.hidden = false;
  document.getElementById('live-dismiss').hidden = false;
}

/** Moves the message in view to the earlier ones. */
export function retire() {
  const live = document.getElementById('live');
  const older = document.getElementById('live-older');
  const history = document.getElementById('live-history');
  if (!live || !older) return;
  for (const msg of [...live.children]) older.prepend(msg);
  while (older.children.length > MAX_OLDER) older.lastElementChild.remove();
  document.getElementById('live-count').textContent = String(older.children.length);
  history.hidden = older.children.length === 0;
  document.getElementById('live-dismiss').hidden = true;
}

/** Shows an error in words: the problem's `detail`, prefixed by what was being done. */
export function sayError(err, doing) {
  if (isAbort(err)) return;
  const detail = err instanceof ApiError ? err.detail : (err && err.message) || String(err);
  const code = err instanceof ApiError && err.status ? ` (HTTP ${err.status}, ${err.code})` : '';
  say(`${doing ? `${doing}: ` : ''}${detail}${code}`, 'error');
}

/** A sayError that says each kind of error once (for errors of many rows at a time). */
export function onceSayer() {
  const said = new Set();
  return (err, doing) => {
    const key = (err && (err.code || err.message)) || String(err);
    if (said.has(key)) return;
    said.add(key);
    sayError(err, doing);
  };
}

/** Runs `fn`, showing any error it throws; resolves to its value or undefined. */
export async function attempt(doing, fn) {
  try {
    return await fn();
  } catch (err) {
    sayError(err, doing);
    return undefined;
  }
}

// ---- formatting -----------------------------------------------------------

export function day(iso) {
  return iso ? String(iso).slice(0, 10) : '—';
}

export function when(iso) {
  if (!iso) return '—';
  const s = String(iso);
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

export function timeEl(iso, long = false) {
  if (!iso) return h('span', { text: '—' });
  return h('time', { datetime: iso, title: iso, text: long ? when(iso) : day(iso) });
}

export function sources(bySource) {
  const parts = Object.entries(bySource || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return parts.length ? parts.map(([s, n]) => `${s} ${n}`).join(' · ') : '—';
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function snippet(text, max = 180) {
  if (!text) return '';
  const t = String(text).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function badge(text, kind) {
  return h('span', { class: ['badge', kind && `badge-${kind}`], text });
}

// ---- concurrency ----------------------------------------------------------

/** A limiter: `limit(() => fetch(...))` runs at most `n` at once. */
export function limiter(n) {
  let running = 0;
  const waiting = [];
  const next = () => {
    if (running >= n || !waiting.length) return;
    running += 1;
    const { fn, resolve, reject } = waiting.shift();
    Promise.resolve()
      .then(fn)
      .then(resolve, reject)
      .finally(() => {
        running -= 1;
        next();
      });
  };
  return (fn) => new Promise((resolve, reject) => {
    waiting.push({ fn, resolve, reject });
    next();
  });
}

// ---- the weekly chart -----------------------------------------------------

/** Bars of tickets per ISO week, as inline SVG with a text alternative. */
export function weeklyChart(weeks, { width = 120, height = 28, labels = false } = {}) {
  const n = weeks.length;
  const max = Math.max(1, ...weeks.map((w) => w.tickets));
  const top = labels ? 14 : 2;
  const bottom = labels ? 14 : 1;
  const plot = height - top - bottom;
  const gap = n > 30 ? 1 : 2;
  const bw = Math.max(1, (width - gap * (n - 1)) / n);
  const total = weeks.reduce((s, w) => s + w.tickets, 0);
  const label = n
    ? `Tickets per week, ${weeks[0].week} to ${weeks[n - 1].week}: ${weeks.map((w) => w.tickets).join(', ')} (${total} in all)`
    : 'No weeks';
  const svg = h('svg', {
    class: ['chart', labels && 'chart-large'],
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': label,
    focusable: 'false',
  });
  svg.append(h('title', { text: label }));
  weeks.forEach((w, i) => {
    const bh = w.tickets ? Math.max(2, (w.tickets / max) * plot) : 0;
    const x = i * (bw + gap);
    const bar = h('rect', {
      class: ['bar', w.tickets === 0 && 'bar-zero'],
      x: x.toFixed(2),
      y: (top + plot - (bh || 1)).toFixed(2),
      width: bw.toFixed(2),
      height: (bh || 1).toFixed(2),
    });
    bar.append(h('title', { text: `${w.week}: ${plural(w.tickets, 'ticket')}` }));
    svg.append(bar);
    if (labels && (i % 4 === 0 || i === n - 1)) {
      svg.append(h('text', { class: 'chart-label', x: (x + bw / 2).toFixed(2), y: height - 2, 'text-anchor': 'middle', text: w.week.slice(5) }));
    }
    if (labels && w.tickets) {
      svg.append(h('text', { class: 'chart-value', x: (x + bw / 2).toFixed(2), y: (top + plot - bh - 2).toFixed(2), 'text-anchor': 'middle', text: w.tickets }));
    }
  });
  svg.append(h('line', { class: 'axis', x1: 0, x2: width, y1: top + plot + 0.5, y2: top + plot + 0.5 }));
  return svg;
}

/** A labelled definition list from `[[term, value], ...]`. */
export function facts(pairs, cls) {
  return h('dl', { class: ['facts', cls] },
    pairs.filter(Boolean).map(([term, value]) => h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', {}, value))));
}

let idCounter = 0;
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A `<label>` + control pair; returns `{wrap, input}`. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid('field');
  const kids = [h('label', { for: control.id, text: labelText }), control];
  if (hint) {
    const hid = `${control.id}-hint`;
    control.setAttribute('aria-describedby', hid);
    kids.push(h('p', { class: 'hint', id: hid, text: hint }));
  }
  return { wrap: h('div', { class: 'field' }, kids), input: control };
}
