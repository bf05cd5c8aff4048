// One group: its counts and weekly chart, its fields (name, tag, status,
// owner, fixed_at, review date, notes) edited through PATCH, a merge, and
// its members (reviewer-placed or automatic), each movable or detachable.

import { api, ApiError, isAbort } from '/assets/api.js';
import { h, clear, say, sayError, onceSayer, sources, timeEl, plural, snippet, badge, facts, field, weeklyChart } from '/assets/ui.js';
import { getTicket, remember, resolveGroup, ensureGroupOptions, refreshGroupOptions, learnTags, knownTags } from '/assets/state.js';
import { go } from '/assets/actions.js';
import { STATUSES } from '/assets/views/groups.js';

const MEMBER_PAGE = 50;

export function render(main, ctx) {
  const id = ctx.arg;
  if (!id) {
    go('#/groups');
    return null;
  }
  const enc = encodeURIComponent(id);
  const heading = h('h1', { tabindex: '-1' }, 'Group ', h('span', { class: 'muted', text: id }));
  const status = h('p', { class: 'status', role: 'status', text: 'Loading the group…' });
  const body = h('div', { class: 'group-detail' });
  main.append(
    h('div', { class: 'view-head' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/groups', text: 'Groups' }), ' › ', h('span', { text: id })),
      heading),
    status, body);

  let group;
  const sayOnce = onceSayer();
  (async () => {
    try {
      group = await api('GET', `/v1/groups/${enc}`, { query: { limit: MEMBER_PAGE }, signal: ctx.signal });
    } catch (err) {
      if (isAbort(err)) return;
      status.textContent = 'This group cannot be shown.';
      sayError(err, `Opening ${id}`);
      return;
    }
    status.textContent = '';
    clear(heading).append(group.name, ' ', h('span', { class: 'muted', text: group.id }));
    build();
  })();

  const reload = () => go(window.location.hash);

  function build() {
    const g = group;
    const chartBox = h('div', { class: 'chart-box' }, h('p', { class: 'muted', text: 'Loading the weekly counts…' }));
    api('GET', `/v1/groups/${enc}/weekly`, { query: { weeks: 26 }, signal: ctx.signal }).then((w) => {
      clear(chartBox).append(weeklyChart(w.weeks, { width: 520, height: 120, labels: true }),
        h('p', { class: 'hint', text: `Tickets per ISO week, the last 26 weeks to ${w.as_of.slice(0, 10)}.` }));
    }, (err) => {
      if (isAbort(err)) return;
      clear(chartBox).append(h('p', { class: 'form-error', text: `The weekly counts could not be loaded: ${err.detail || err.message}` }));
      sayError(err, `Loading the weekly counts of ${id}`);
    });
    const summary = h('section', { class: 'panel', 'aria-labelledby': 'counts-h' },
      h('h2', { id: 'counts-h', text: 'Counts' }),
      h('p', { class: 'badges' }, badge(g.tag, 'tag'), ' ', badge(g.status, `status-${g.status}`), g.regression ? [' ', badge('regression: tickets after the fix', 'regression')] : null),
      facts([
        ['Last 7 days', String(g.counts.last_7d)],
        ['Last 30 days', String(g.counts.last_30d)],
        ['Since the fix', String(g.counts.since_fix)],
        ['Total', String(g.counts.total)],
        ['By source', sources(g.by_source)],
        ['First seen', timeEl(g.first_seen, true)],
        ['Last seen', timeEl(g.last_seen, true)],
        ['Manual minutes', String(g.manual_minutes)],
        ['Created', timeEl(g.created_at, true)],
      ], 'facts-counts'),
      chartBox);
    const left = h('div', { class: 'decide-main' }, summary, membersSection());
    const right = h('aside', { class: 'decide-side', 'aria-label': 'Change the group' }, editSection(), mergeSection());
    body.append(left, right);
  }

  // ---- edit -------------------------------------------------------------------

  function editSection() {
    const g = group;
    const name = h('input', { type: 'text', name: 'name', maxlength: '200', required: true, value: g.name, autocomplete: 'off' });
    const tag = h('input', { type: 'text', name: 'tag', list: 'tag-options', value: g.tag, autocomplete: 'off' });
    const statusSel = h('select', { name: 'status' }, STATUSES.map((s) => h('option', { value: s, text: s })));
    statusSel.value = g.status;
    const owner = h('input', { type: 'text', name: 'owner', maxlength: '200', value: g.owner || '', autocomplete: 'off' });
    const fixedAt = h('input', { type: 'datetime-local', name: 'fixed_at', value: g.fixed_at ? g.fixed_at.slice(0, 16) : '' });
    const reviewBy = h('input', { type: 'text', name: 'review_by', maxlength: '40', value: g.review_by || '', placeholder: 'YYYY-MM-DD', autocomplete: 'off' });
    const notes = h('textarea', { name: 'notes', rows: '3', maxlength: '8000', value: g.notes || '' });
    const form = h('form', { class: 'stack', 'aria-labelledby': 'edit-h', novalidate: true },
      h('h2', { id: 'edit-h', text: 'Owner, status and fix' }),
      field('Name', name).wrap,
      field('Tag', tag, `One of: ${knownTags().join(', ')}.`).wrap,
      field('Status', statusSel, '“planned” needs an owner, a problem, an expected result and a review date; “fixed” and “verified” need a fix date.').wrap,
      field('Owner', owner).wrap,
      field('Fixed at (UTC)', fixedAt, 'When the fix shipped; tickets after it count as a regression.').wrap,
      field('Review by', reviewBy, 'A date or a note, at most 40 characters.').wrap,
      field('Notes', notes).wrap,
      h('div', { class: 'row' }, h('button', { type: 'submit', text: 'Save changes' })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const change = {};
      const text = (el) => el.value.trim();
      if (text(name) !== g.name) change.name = text(name);
      if (text(tag) !== g.tag) change.tag = text(tag);
      if (statusSel.value !== g.status) change.status = statusSel.value;
      const opt = (key, value) => {
        const old = g[key] || '';
        if (value !== old) change[key] = value === '' ? null : value;
      };
      opt('owner', text(owner));
      opt('review_by', text(reviewBy));
      opt('notes', notes.value.trim());
      const fixed = fixedAt.value ? `${fixedAt.value.length === 16 ? `${fixedAt.value}:00` : fixedAt.value}Z` : '';
      const oldFixed = g.fixed_at ? g.fixed_at.slice(0, 16) : '';
      if (fixedAt.value.slice(0, 16) !== oldFixed) change.fixed_at = fixed || null;
      if (!Object.keys(change).length) {
        say('Nothing changed: edit a field first.', 'info');
        return;
      }
      try {
        const updated = await api('PATCH', `/v1/groups/${enc}`, { body: change });
        try {
          const log = await api('GET', '/v1/decisions', { query: { group: id, kind: 'edit', limit: 1 } });
          if (log.decisions[0]) remember(log.decisions[0], `edited ${id} (${Object.keys(change).join(', ')})`);
        } catch (err) {
          sayError(err, 'Reading the edit back from the audit log');
        }
        say(`Saved ${id}: ${Object.keys(change).join(', ')} changed (status ${updated.status}${updated.owner ? `, owner ${updated.owner}` : ''}). Press u to undo.`, 'ok');
        refreshGroupOptions().catch((e) => sayError(e, 'Reloading the groups'));
        reload();
      } catch (err) {
        if (err instanceof ApiError && err.status === 422) learnTags(err.detail);
        sayError(err, `Saving ${id}`);
      }
    });
    return form;
  }

  function mergeSection() {
    const from = h('input', { type: 'text', name: 'from', list: 'group-options', autocomplete: 'off', placeholder: 'g7 or a group name' });
    from.addEventListener('focus', () => ensureGroupOptions().catch((err) => sayError(err, 'Loading the groups')), { once: true });
    const form = h('form', { class: 'stack', 'aria-labelledby': 'merge-h', novalidate: true },
      h('h2', { id: 'merge-h', text: 'Merge another group into this one' }),
      field('Group to merge in', from, 'Its tickets join this group and it is removed (undo brings it back).').wrap,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'secondary', text: 'Merge' })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const other = resolveGroup(from.value);
      if (!other) {
        say('Type the group to merge in (its id, or a name from the list) first.', 'error');
        from.focus();
        return;
      }
      try {
        const a = await api('POST', `/v1/groups/${enc}/merge`, { body: { from: other } });
        remember(a.decision, `merged ${other} into ${id}`);
        say(`Merged ${other} into ${id}: ${plural(a.moved, 'ticket')} moved. Press u to undo.`, 'ok');
        refreshGroupOptions().catch((e) => sayError(e, 'Reloading the groups'));
        reload();
      } catch (err) {
        sayError(err, `Merging ${other} into ${id}`);
      }
    });
    return form;
  }

  // ---- members ------------------------------------------------------------------

  function membersSection() {
    const tbody = h('tbody');
    const checked = new Set();
    const moveTo = h('input', { type: 'text', name: 'move-to', list: 'group-options', autocomplete: 'off', placeholder: 'g2 or a group name' });
    moveTo.addEventListener('focus', () => ensureGroupOptions().catch((err) => sayError(err, 'Loading the groups')), { once: true });
    const moveForm = h('form', { class: 'search-row', 'aria-label': 'Move the checked tickets', novalidate: true },
      field('Move the checked tickets to', moveTo).wrap, h('button', { type: 'submit', class: 'secondary', text: 'Move' }));
    moveForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const target = resolveGroup(moveTo.value);
      if (!checked.size) {
        say('Check the tickets to move first.', 'error');
        return;
      }
      if (!target) {
        say('Type the group to move them to (its id, or a name from the list).', 'error');
        moveTo.focus();
        return;
      }
      const ids = [...checked];
      try {
        const a = await api('POST', `/v1/groups/${encodeURIComponent(target)}/tickets`, { body: { ids } });
        remember(a.decision, `moved ${ids.join(', ')} from ${id} to ${target}`);
        say(`Moved ${plural(ids.length, 'ticket')} to ${target} “${a.group.name}” (${a.changed} changed). Press u to undo.`, 'ok');
        reload();
      } catch (err) {
        sayError(err, `Moving tickets to ${target}`);
      }
    });
    const statusLine = h('p', { class: 'status', role: 'status' });
    const more = h('button', { type: 'button', class: 'secondary', text: 'Load more members' });
    let cursor = group.next_cursor;
    let shown = 0;
    const add = (members) => {
      for (const m of members) tbody.append(memberRow(m, checked));
      shown += members.length;
      more.hidden = !cursor;
      statusLine.textContent = `Showing ${shown} of ${plural(group.counts.total, 'member')}${cursor ? '' : ' (all)'}; reviewer-placed first.`;
    };
    more.addEventListener('click', async () => {
      try {
        const res = await api('GET', `/v1/groups/${enc}`, { query: { limit: MEMBER_PAGE, cursor }, signal: ctx.signal });
        cursor = res.next_cursor;
        add(res.members);
      } catch (err) {
        if (!isAbort(err)) sayError(err, `Loading more members of ${id}`);
      }
    });
    add(group.members);
    return h('section', { class: 'panel', 'aria-labelledby': 'gmembers-h' },
      h('h2', { id: 'gmembers-h', text: 'Members' }),
      moveForm, statusLine,
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Members table' },
        h('table', { class: 'members' },
          h('caption', { class: 'visually-hidden', text: 'Members of the group' }),
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col', text: 'Pick' }), h('th', { scope: 'col', text: 'Ticket' }),
            h('th', { scope: 'col', text: 'Placed by' }), h('th', { scope: 'col', text: 'Created' }),
            h('th', { scope: 'col', text: 'Action' }))),
          tbody)),
      h('div', { class: 'row' }, more));
  }

  function memberRow(m, checked) {
    const box = h('input', { type: 'checkbox', 'aria-label': `Pick ${m.id}` });
    box.addEventListener('change', () => (box.checked ? checked.add(m.id) : checked.delete(m.id)));
    const ticketCell = h('td', { class: 'ticket-cell' }, h('span', { class: 'ticket-id', text: m.id }));
    const created = h('td', { text: '…' });
    getTicket(m.id).then((t) => {
      ticketCell.append(' ', h('span', { class: 'ticket-title', text: t.title || snippet(t.body, 90) }), ' ', h('span', { class: 'muted', text: t.source }));
      clear(created).append(timeEl(t.created_at));
    }, (err) => {
      if (isAbort(err)) return;
      ticketCell.append(' ', h('span', { class: 'form-error', text: `could not be read: ${err.detail || err.message}` }));
      sayOnce(err, `Reading ticket ${m.id}`);
    });
    const origin = m.origin === 'automatic'
      ? [badge('automatic', 'automatic'), h('span', { class: 'muted', text: ` p ${m.score !== undefined ? m.score.toFixed(2) : '?'}` })]
      : badge('reviewer', 'reviewer');
    const detach = h('button', { type: 'button', class: 'secondary small', text: 'Detach', 'aria-label': `Detach ${m.id}` });
    detach.addEventListener('click', async () => {
      try {
        const a = await api('DELETE', `/v1/groups/${enc}/tickets/${encodeURIComponent(m.id)}`);
        remember(a.decision, `detached ${m.id} from ${id}`);
        say(`Detached ${m.id} from ${id}; the engine will not put it back here. Press u to undo.`, 'ok');
        reload();
      } catch (err) {
        sayError(err, `Detaching ${m.id}`);
      }
    });
    return h('tr', { dataset: { ticket: m.id } }, h('td', {}, box), ticketCell,
      h('td', {}, origin, ' ', h('span', { class: 'muted', text: m.decision })), created, h('td', {}, detach));
  }

  return null;
}
