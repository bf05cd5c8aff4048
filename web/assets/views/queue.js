// Queue: the open candidate clusters, largest first, a page at a time,
// each with its label terms, representative tickets, size, sources,
// first and last seen, and the confirmed groups it looks like.

import { api, isAbort } from '/assets/api.js';
import { h, clear, say, sayError, onceSayer, sources, timeEl, plural, snippet, badge } from '/assets/ui.js';
import { queue, QUEUE_PAGE, setQueuePage, getTicket, looksLike } from '/assets/state.js';
import { go, reject } from '/assets/actions.js';

let selectedId = null;
let selectedIndex = 0; // where the selection was, for when its cluster left the queue

export function render(main, ctx) {
  const status = h('p', { class: 'status', role: 'status', text: 'Loading the open clusters…' });
  const list = h('ol', { class: 'cards', 'aria-label': 'Open clusters' });
  const prev = h('button', { type: 'button', class: 'secondary', text: '← Previous page', disabled: true });
  const next = h('button', { type: 'button', class: 'secondary', text: 'Next page →', disabled: true });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Queue pages' }, prev, next);

  main.append(
    h('div', { class: 'view-head' },
      h('h1', { tabindex: '-1', text: 'Queue' }),
      h('p', { class: 'lede' }, 'Candidate clusters, largest first. Open one to see all its members and decide. ',
        h('kbd', { text: 'j' }), ' / ', h('kbd', { text: 'k' }), ' select, ', h('kbd', { text: 'Enter' }), ' opens, ',
        h('kbd', { text: 'c' }), ' confirm, ', h('kbd', { text: 's' }), ' split, ', h('kbd', { text: 'r' }), ' reject.')),
    status, list, pager);

  let cards = [];
  const sayOnce = onceSayer();

  prev.addEventListener('click', () => {
    const cursor = queue.stack.pop() || '';
    load(cursor);
  });
  next.addEventListener('click', () => {
    if (!queue.next) return;
    queue.stack.push(queue.cursor);
    load(queue.next);
  });

  async function load(cursor) {
    status.textContent = 'Loading the open clusters…';
    try {
      const res = await api('GET', '/v1/clusters', { query: { limit: QUEUE_PAGE, cursor }, signal: ctx.signal });
      setQueuePage(cursor, res);
      show(res);
    } catch (err) {
      if (isAbort(err)) return;
      status.textContent = 'The clusters could not be loaded.';
      sayError(err, 'Loading the queue');
    }
  }

  function show(res) {
    clear(list);
    cards = res.clusters.map((c, i) => card(c, i));
    list.append(...cards.map((x) => x.li));
    const first = queue.stack.length * QUEUE_PAGE + 1;
    status.textContent = res.clusters.length
      ? `Clusters ${first}–${first + res.clusters.length - 1}${res.next_cursor ? ', more on the next page' : ', the last page'}.`
      : (queue.stack.length ? 'No more clusters on this page.' : 'The queue is empty: every candidate is decided. A re-cluster (POST /v1/recluster) proposes new ones as tickets arrive.');
    prev.disabled = queue.stack.length === 0;
    next.disabled = !res.next_cursor;
    const keep = cards.findIndex((x) => x.cluster.id === selectedId);
    select(keep >= 0 ? keep : Math.min(selectedIndex, cards.length - 1), false);
  }

  function card(c, i) {
    const link = h('a', { href: `#/cluster/${encodeURIComponent(c.id)}`, class: 'card-link' }, c.label_terms.slice(0, 6).join(', ') || c.id);
    const examples = h('ul', { class: 'examples', 'aria-label': 'Representative tickets' });
    const looks = h('p', { class: 'looks' }, h('span', { class: 'looks-label', text: 'Looks like: ' }), h('span', { class: 'muted', text: 'asking…' }));
    const li = h('li', { class: 'card', dataset: { cluster: c.id } },
      h('article', { 'aria-labelledby': `${c.id}-h` },
        h('h2', { id: `${c.id}-h`, class: 'card-title' }, link),
        h('p', { class: 'card-meta' },
          badge(plural(c.size, 'ticket'), 'size'), ' ',
          h('span', { class: 'meta-item' }, h('span', { class: 'visually-hidden', text: 'sources: ' }), sources(c.by_source)),
          h('span', { class: 'meta-item' }, 'seen ', timeEl(c.first_seen), ' – ', timeEl(c.last_seen)),
          h('span', { class: 'meta-item muted', text: `cohesion ${c.cohesion.toFixed(2)}` }),
          h('span', { class: 'meta-item muted', text: c.id })),
        examples, looks));
    li.addEventListener('click', (event) => {
      if (event.target.closest('a,button')) return;
      select(i, true);
    });
    link.addEventListener('focus', () => select(i, false));
    for (const ex of c.examples.slice(0, 3)) {
      const item = h('li', {}, h('span', { class: 'ticket-id', text: ex.id }), ' ', h('span', { class: 'muted', text: '…' }));
      examples.append(item);
      getTicket(ex.id).then((t) => {
        clear(item).append(h('span', { class: 'ticket-id', text: t.id }), ' ', h('span', { class: 'ticket-title', text: snippet(t.title || t.body, 110) }), ' ', h('span', { class: 'muted', text: `${t.source}, ${t.created_at.slice(0, 10)}` }));
      }, (err) => {
        if (isAbort(err)) return;
        clear(item).append(h('span', { class: 'ticket-id', text: ex.id }), ' ', h('span', { class: 'form-error', text: `could not be read: ${err.detail || err.message}` }));
        sayOnce(err, `Reading ticket ${ex.id}`);
      });
    }
    looksLike(c).then((ans) => showLooks(looks, ans), (err) => {
      if (isAbort(err)) return;
      clear(looks).append(h('span', { class: 'looks-label', text: 'Looks like: ' }), h('span', { class: 'form-error', text: `unknown (${err.detail || err.message})` }));
      sayOnce(err, `Asking which group ${c.id} looks like`);
    });
    return { li, link, cluster: c };
  }

  let selected = -1;
  function select(i, focus) {
    if (!cards.length) return;
    const idx = Math.max(0, Math.min(cards.length - 1, i));
    if (selected >= 0 && cards[selected]) {
      cards[selected].li.classList.remove('selected');
      cards[selected].li.removeAttribute('aria-current');
    }
    selected = idx;
    const chosen = cards[idx];
    chosen.li.classList.add('selected');
    chosen.li.setAttribute('aria-current', 'true');
    selectedId = chosen.cluster.id;
    selectedIndex = idx;
    if (focus) {
      chosen.link.focus();
      chosen.li.scrollIntoView({ block: 'nearest' });
    }
  }

  function current() {
    return cards[selected] ? cards[selected].cluster : null;
  }

  load(queue.cursor);

  return {
    keys: {
      j: () => {
        if (selected >= cards.length - 1 && !next.disabled) next.click();
        else select(selected + 1, true);
      },
      k: () => {
        if (selected <= 0 && !prev.disabled) prev.click();
        else select(selected - 1, true);
      },
      c: () => { const c = current(); if (c) go(`#/cluster/${encodeURIComponent(c.id)}?do=confirm`); },
      s: () => { const c = current(); if (c) go(`#/cluster/${encodeURIComponent(c.id)}?do=split`); },
      r: () => {
        const c = current();
        if (!c) return;
        say(`Rejecting ${c.id}…`, 'info');
        reject(c.id, 'reload');
      },
    },
  };
}

/** "Looks like g3 “Login loop” (0.61) · g7 …", or why nothing does. */
export function showLooks(el, ans) {
  clear(el).append(h('span', { class: 'looks-label', text: 'Looks like: ' }));
  const top = ans.suggestions.slice(0, 2);
  if (!top.length) {
    el.append(h('span', { class: 'muted', text: 'no confirmed group shares its terms.' }));
    return;
  }
  if (ans.verdict === 'new') el.append(h('span', { class: 'muted', text: 'nothing confirmed yet (verdict new); nearest ' }));
  top.forEach((s, i) => {
    if (i) el.append(' · ');
    el.append(h('a', { href: `#/group/${encodeURIComponent(s.group)}`, text: `${s.name}` }), h('span', { class: 'muted', text: ` (${s.group}, ${s.score.toFixed(2)})` }));
  });
  if (ans.verdict === 'ambiguous') el.append(h('span', { class: 'muted', text: ' — ambiguous' }));
}
