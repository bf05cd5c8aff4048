// Groups: the confirmed groups with their counts (7 days, 30 days, since
// the fix, total), sources, a weekly chart each and the regression badge;
// sorted and filtered by the API, a page at a time.

import { api, isAbort } from '/assets/api.js';
import { h, clear, sayError, onceSayer, sources, timeEl, badge, field, limiter, weeklyChart } from '/assets/ui.js';
import { knownTags, noteGroupTags } from '/assets/state.js';
import { go } from '/assets/actions.js';

export const SORTS = [
  ['total', 'Total'],
  ['last_7d', 'Last 7 days'],
  ['last_30d', 'Last 30 days'],
  ['since_fix', 'Since the fix'],
  ['manual_minutes', 'Manual minutes'],
  ['last_seen', 'Last seen'],
];
export const STATUSES = ['open', 'planned', 'watching', 'fixed', 'verified', 'reopened', 'wontfix'];
const PAGE = 50;
const chartLimit = limiter(4);

let pages = { key: null, stack: [], cursor: '' };

export function render(main, ctx) {
  const sort = SORTS.some(([v]) => v === ctx.params.sort) ? ctx.params.sort : 'total';
  const tag = ctx.params.tag || '';
  const status = STATUSES.includes(ctx.params.status) ? ctx.params.status : '';
  const key = `${sort}|${tag}|${status}`;
  if (pages.key !== key) pages = { key, stack: [], cursor: '' };

  const sortSel = h('select', { name: 'sort' }, SORTS.map(([v, label]) => h('option', { value: v, text: label })));
  sortSel.value = sort;
  const tagSel = h('select', { name: 'tag' }, h('option', { value: '', text: 'All tags' }),
    [...new Set([...knownTags(), tag].filter(Boolean))].map((t) => h('option', { value: t, text: t })));
  tagSel.value = tag;
  const statusSel = h('select', { name: 'status' }, h('option', { value: '', text: 'All statuses' }), STATUSES.map((s) => h('option', { value: s, text: s })));
  statusSel.value = status;
  const form = h('form', { class: 'filters', 'aria-label': 'Sort and filter the groups', novalidate: true },
    field('Sort by', sortSel).wrap, field('Tag', tagSel).wrap, field('Status', statusSel).wrap,
    h('button', { type: 'submit', text: 'Apply' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    if (sortSel.value !== 'total') q.set('sort', sortSel.value);
    if (tagSel.value) q.set('tag', tagSel.value);
    if (statusSel.value) q.set('status', statusSel.value);
    const qs = q.toString();
    go(`#/groups${qs ? `?${qs}` : ''}`);
  });

  const statusLine = h('p', { class: 'status', role: 'status', text: 'Loading the groups…' });
  const tbody = h('tbody');
  const table = h('table', { class: 'groups', id: 'groups-table' },
    h('caption', { class: 'visually-hidden', text: 'Confirmed groups with their counts' }),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: 'Group' }),
      h('th', { scope: 'col', text: 'Tag' }),
      h('th', { scope: 'col', text: 'Status' }),
      h('th', { scope: 'col', class: 'num', 'aria-sort': sort === 'last_7d' ? 'descending' : null, text: '7 days' }),
      h('th', { scope: 'col', class: 'num', 'aria-sort': sort === 'last_30d' ? 'descending' : null, text: '30 days' }),
      h('th', { scope: 'col', class: 'num', 'aria-sort': sort === 'since_fix' ? 'descending' : null, text: 'Since fix' }),
      h('th', { scope: 'col', class: 'num', 'aria-sort': sort === 'total' ? 'descending' : null, text: 'Total' }),
      h('th', { scope: 'col', text: 'By source' }),
      h('th', { scope: 'col', text: 'Weekly (12 weeks)' }),
      h('th', { scope: 'col', 'aria-sort': sort === 'last_seen' ? 'descending' : null, text: 'Last seen' }),
      h('th', { scope: 'col', text: 'Owner' }))),
    tbody);
  const prev = h('button', { type: 'button', class: 'secondary', text: '← Previous page', disabled: true });
  const next = h('button', { type: 'button', class: 'secondary', text: 'Next page →', disabled: true });
  let nextCursor = null;
  const sayOnce = onceSayer();
  prev.addEventListener('click', () => load(pages.stack.pop() || ''));
  next.addEventListener('click', () => {
    if (!nextCursor) return;
    pages.stack.push(pages.cursor);
    load(nextCursor);
  });

  main.append(
    h('div', { class: 'view-head' },
      h('h1', { tabindex: '-1', text: 'Groups' }),
      h('p', { class: 'lede', text: 'Confirmed problems and how often they come back. Counts are as of now; a regression means tickets arrived after the fix.' })),
    form, statusLine,
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Groups table' }, table),
    h('nav', { class: 'pager', 'aria-label': 'Group pages' }, prev, next));

  async function load(cursor) {
    pages.cursor = cursor;
    statusLine.textContent = 'Loading the groups…';
    try {
      const res = await api('GET', '/v1/groups', { query: { sort, tag, status, limit: PAGE, cursor }, signal: ctx.signal });
      noteGroupTags(res.groups);
      nextCursor = res.next_cursor;
      clear(tbody);
      for (const g of res.groups) tbody.append(row(g));
      const first = pages.stack.length * PAGE + 1;
      statusLine.textContent = res.groups.length
        ? `Groups ${first}–${first + res.groups.length - 1}${nextCursor ? ', more on the next page.' : '.'}`
        : 'No group matches these filters.';
      table.dataset.loaded = 'true';
      prev.disabled = pages.stack.length === 0;
      next.disabled = !nextCursor;
    } catch (err) {
      if (isAbort(err)) return;
      statusLine.textContent = 'The groups could not be loaded.';
      sayError(err, 'Loading the groups');
    }
  }

  function row(g) {
    const chart = h('td', { class: 'chart-cell', dataset: { col: 'weekly' } }, h('span', { class: 'muted', text: '…' }));
    chartLimit(() => api('GET', `/v1/groups/${encodeURIComponent(g.id)}/weekly`, { signal: ctx.signal })).then((w) => {
      clear(chart).append(weeklyChart(w.weeks));
    }, (err) => {
      if (isAbort(err)) return;
      clear(chart).append(h('span', { class: 'form-error', text: 'unavailable' }));
      sayOnce(err, `Loading the weekly counts of ${g.id}`);
    });
    const num = (col, v) => h('td', { class: 'num', dataset: { col }, text: String(v) });
    return h('tr', { dataset: { group: g.id } },
      h('th', { scope: 'row' }, h('a', { href: `#/group/${encodeURIComponent(g.id)}`, text: g.name }), ' ', h('span', { class: 'muted', text: g.id })),
      h('td', { dataset: { col: 'tag' } }, badge(g.tag, 'tag')),
      h('td', { dataset: { col: 'status' } }, badge(g.status, `status-${g.status}`), g.regression ? [' ', badge('regression', 'regression')] : null),
      num('last_7d', g.counts.last_7d),
      num('last_30d', g.counts.last_30d),
      num('since_fix', g.counts.since_fix),
      num('total', g.counts.total),
      h('td', { dataset: { col: 'by_source' }, text: sources(g.by_source) }),
      chart,
      h('td', { dataset: { col: 'last_seen' } }, timeEl(g.last_seen)),
      h('td', { dataset: { col: 'owner' }, text: g.owner || '—' }));
  }

  load(pages.cursor);
  return null;
}
