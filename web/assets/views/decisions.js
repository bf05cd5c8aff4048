// Decisions: the audit log, newest first, filtered by kind, paged; each
// standing decision (but an undo) can be undone from here.

import { api, isAbort } from '/assets/api.js';
import { h, clear, sayError, timeEl, badge, field } from '/assets/ui.js';
import { unmarkDone } from '/assets/state.js';
import { go, undo } from '/assets/actions.js';

const KINDS = ['confirm', 'split', 'reject', 'attach', 'detach', 'merge', 'edit', 'undo'];
const PAGE = 50;
let pages = { key: null, stack: [], cursor: '' };

/** A short sentence of a decision's detail, by kind. */
function describe(d) {
  const x = d.detail || {};
  switch (d.kind) {
    case 'confirm':
      return `${x.joined ? 'joined' : 'new group'} “${x.name || d.group}”, ${Array.isArray(x.tickets) ? x.tickets.length : '?'} tickets`;
    case 'split':
      return `${Array.isArray(x.parts) ? x.parts.length : '?'} parts${Array.isArray(x.clusters) ? `: ${x.clusters.join(', ')}` : ''}`;
    case 'reject':
      return `${x.tickets} tickets`;
    case 'attach':
      if (x.groups) return `engine: ${Object.entries(x.groups).map(([g, n]) => `${g} +${n}`).join(', ') || 'nothing'}`;
      return `${Array.isArray(x.tickets) ? x.tickets.length : '?'} tickets`;
    case 'detach':
      return `ticket ${x.ticket}`;
    case 'merge':
      return `from ${x.from}`;
    case 'edit':
      return Array.isArray(x.fields) ? `fields: ${x.fields.join(', ')}` : JSON.stringify(x);
    case 'undo':
      return `undid ${Array.isArray(x.undid) ? x.undid.join(', ') : '?'}`;
    default:
      return JSON.stringify(x);
  }
}

export function render(main, ctx) {
  const kind = KINDS.includes(ctx.params.kind) ? ctx.params.kind : '';
  if (pages.key !== kind) pages = { key: kind, stack: [], cursor: '' };
  const kindSel = h('select', { name: 'kind' }, h('option', { value: '', text: 'All kinds' }), KINDS.map((k) => h('option', { value: k, text: k })));
  kindSel.value = kind;
  const form = h('form', { class: 'filters', 'aria-label': 'Filter the decisions', novalidate: true },
    field('Kind', kindSel).wrap, h('button', { type: 'submit', text: 'Apply' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(kindSel.value ? `#/decisions?kind=${kindSel.value}` : '#/decisions');
  });
  const statusLine = h('p', { class: 'status', role: 'status', text: 'Loading the decisions…' });
  const tbody = h('tbody');
  const prev = h('button', { type: 'button', class: 'secondary', text: '← Newer', disabled: true });
  const next = h('button', { type: 'button', class: 'secondary', text: 'Older →', disabled: true });
  let nextCursor = null;
  prev.addEventListener('click', () => load(pages.stack.pop() || ''));
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    pages.stack.push(pages.cursor);
    load(nextCursor);
  });
  main.append(
    h('div', { class: 'view-head' },
      h('h1', { tabindex: '-1', text: 'Decisions' }),
      h('p', { class: 'lede', text: 'Every decision, newest first: the reviewers’ and the engine’s. An undo restores exactly the state before the decision.' })),
    form, statusLine,
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Decisions table' },
      h('table', { class: 'decisions', id: 'decisions-table' },
        h('caption', { class: 'visually-hidden', text: 'The audit log' }),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', text: 'Decision' }), h('th', { scope: 'col', text: 'When' }),
          h('th', { scope: 'col', text: 'Kind' }), h('th', { scope: 'col', text: 'By' }),
          h('th', { scope: 'col', text: 'Cluster' }), h('th', { scope: 'col', text: 'Group' }),
          h('th', { scope: 'col', text: 'What' }), h('th', { scope: 'col', text: 'Standing' }))),
        tbody)),
    h('nav', { class: 'pager', 'aria-label': 'Decision pages' }, prev, next));

  async function load(cursor) {
    pages.cursor = cursor;
    statusLine.textContent = 'Loading the decisions…';
    try {
      const res = await api('GET', '/v1/decisions', { query: { kind, limit: PAGE, cursor }, signal: ctx.signal });
      nextCursor = res.next_cursor;
      clear(tbody);
      for (const d of res.decisions) tbody.append(row(d));
      statusLine.textContent = res.decisions.length ? `${res.decisions.length} decisions on this page${nextCursor ? '; older ones on the next.' : '.'}` : 'No decisions yet.';
      prev.disabled = pages.stack.length === 0;
      next.disabled = !nextCursor;
    } catch (err) {
      if (isAbort(err)) return;
      statusLine.textContent = 'The decisions could not be loaded.';
      sayError(err, 'Loading the decisions');
    }
  }

  function row(d) {
    let standing;
    if (d.undone_by) standing = badge(`undone by ${d.undone_by}`, 'undone');
    else if (d.kind === 'undo') standing = h('span', { class: 'muted', text: 'an undo cannot be undone' });
    else {
      standing = h('button', { type: 'button', class: 'secondary small', text: `Undo ${d.id}` });
      standing.addEventListener('click', async () => {
        const a = await undo(d.id);
        if (a) {
          if (d.cluster) unmarkDone(d.cluster);
          go(window.location.hash);
        }
      });
    }
    return h('tr', { dataset: { decision: d.id } },
      h('th', { scope: 'row', text: d.id }),
      h('td', {}, timeEl(d.at, true)),
      h('td', {}, badge(d.kind, `kind-${d.kind}`)),
      h('td', { text: d.actor }),
      h('td', {}, d.cluster ? h('a', { href: `#/cluster/${encodeURIComponent(d.cluster)}`, text: d.cluster }) : '—'),
      h('td', {}, d.group ? h('a', { href: `#/group/${encodeURIComponent(d.group)}`, text: d.group }) : '—'),
      h('td', { class: 'what', text: describe(d) }),
      h('td', {}, standing));
  }

  load(pages.cursor);
  return null;
}
