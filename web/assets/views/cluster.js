// Decide: one cluster with all its members (paged, searchable) and the
// decisions on it — confirm as a new group or join one, split (auto, with
// the parts previewed, or by hand), reject — and undo of the last ones.

import { api, ApiError, isAbort } from '/assets/api.js';
import { h, clear, say, sayError, onceSayer, sources, timeEl, plural, snippet, badge, facts, field } from '/assets/ui.js';
import {
  getTicket, looksLike, neighbourCluster, markDone, knownTags, resolveGroup, ensureGroupOptions,
  recentMine, onSessionChange, clusterFromQueue,
} from '/assets/state.js';
import { go, confirmNew, confirmJoin, reject, split, previewSplit, undo, undoLast } from '/assets/actions.js';
import { showLooks } from '/assets/views/queue.js';

const MEMBER_PAGE = 50;
const MAX_PARTS = 8;
// A search reads at most this many members' ids and this many search hits.
const SEARCH_MEMBER_CAP = 20000;
const SEARCH_HIT_PAGES = 5;

export function render(main, ctx) {
  const id = ctx.arg;
  if (!id) {
    go('#/queue');
    return null;
  }
  const enc = encodeURIComponent(id);
  const heading = h('h1', { tabindex: '-1' }, 'Cluster ', h('span', { class: 'muted', text: id }));
  const status = h('p', { class: 'status', role: 'status', text: 'Loading the cluster…' });
  const prevBtn = h('button', { type: 'button', class: 'secondary', text: '← Previous cluster (k)' });
  const nextBtn = h('button', { type: 'button', class: 'secondary', text: 'Next cluster (j) →' });
  const body = h('div', { class: 'decide' });
  main.append(
    h('div', { class: 'view-head' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/queue', text: 'Queue' }), ' › ', h('span', { text: id })),
      heading,
      h('nav', { class: 'pager', 'aria-label': 'Clusters' }, prevBtn, nextBtn)),
    status, body);

  const step = async (dir) => {
    try {
      const other = await neighbourCluster(id, dir);
      if (other) go(`#/cluster/${encodeURIComponent(other)}`);
      else say(dir > 0 ? 'This is the last open cluster in the queue.' : 'This is the first cluster of the queue as loaded.', 'info');
    } catch (err) {
      sayError(err, 'Finding the next cluster');
    }
  };
  prevBtn.addEventListener('click', () => step(-1));
  nextBtn.addEventListener('click', () => step(1));

  let cluster = null;
  let nameInput;
  let tagInput;
  let kInput;
  const parts = new Map(); // ticket id -> part number (1..), for a split by hand
  let busy = false;
  let stopListening = () => {};
  const sayOnce = onceSayer();

  const guard = async (fn) => {
    if (busy) return;
    busy = true;
    main.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } finally {
      busy = false;
      main.removeAttribute('aria-busy');
    }
  };

  (async () => {
    try {
      cluster = await api('GET', `/v1/clusters/${enc}`, { query: { limit: MEMBER_PAGE }, signal: ctx.signal });
    } catch (err) {
      if (isAbort(err)) return;
      if (err instanceof ApiError && err.status === 410) markDone(id);
      status.textContent = 'This cluster cannot be shown.';
      sayError(err, `Opening ${id}`);
      body.append(h('p', {}, h('a', { href: '#/queue', text: 'Back to the queue' }), ' or ',
        h('button', { type: 'button', class: 'linklike', text: 'open the next cluster', onclick: () => step(1) }), '.'));
      return;
    }
    status.textContent = '';
    clear(heading).append(cluster.label_terms.slice(0, 6).join(', ') || id);
    build();
    if (ctx.params.do === 'confirm') focusConfirm();
    if (ctx.params.do === 'split') focusSplit();
  })();

  function build() {
    const c = cluster;
    const looks = h('p', { class: 'looks' }, h('span', { class: 'looks-label', text: 'Looks like: ' }), h('span', { class: 'muted', text: 'asking…' }));
    looksLike(clusterFromQueue(id) || c).then((ans) => showLooks(looks, ans), (err) => {
      if (isAbort(err)) return;
      clear(looks).append(h('span', { class: 'looks-label', text: 'Looks like: ' }), h('span', { class: 'form-error', text: `unknown (${err.detail || err.message})` }));
      sayError(err, `Asking which group ${id} looks like`);
    });

    const info = h('section', { class: 'panel', 'aria-labelledby': 'about-h' },
      h('h2', { id: 'about-h', text: 'About this cluster' }),
      facts([
        ['Size', plural(c.size, 'undecided ticket')],
        ['Sources', sources(c.by_source)],
        ['First seen', timeEl(c.first_seen, true)],
        ['Last seen', timeEl(c.last_seen, true)],
        ['Cohesion', c.cohesion.toFixed(3)],
        ['Id', c.id],
      ]),
      h('p', { class: 'terms' }, h('span', { class: 'looks-label', text: 'Label terms: ' }), c.label_terms.map((t) => badge(t, 'term'))),
      looks);

    const left = h('div', { class: 'decide-main' }, info, membersSection());
    const right = h('aside', { class: 'decide-side', 'aria-label': 'Decide' }, confirmSection(), joinSection(), splitSection(), rejectSection(), undoSection());
    body.append(right, left);
    prefillTag();
  }

  // ---- confirm --------------------------------------------------------------

  function confirmSection() {
    nameInput = h('input', { type: 'text', name: 'name', maxlength: '200', autocomplete: 'off', required: true, value: cluster.label_terms.slice(0, 3).join(' ') });
    tagInput = h('input', { type: 'text', name: 'tag', list: 'tag-options', autocomplete: 'off', required: true, placeholder: knownTags()[0] });
    const name = field('Group name', nameInput, '1 to 200 characters: the user-facing symptom.');
    const tag = field('Tag', tagInput, `One of the configured tags: ${knownTags().join(', ')}.`);
    const form = h('form', { class: 'stack', 'aria-labelledby': 'confirm-h', novalidate: true },
      h('h2', { id: 'confirm-h' }, 'Confirm as a new group ', h('kbd', { text: 'c' })),
      name.wrap, tag.wrap,
      h('div', { class: 'row' }, h('button', { type: 'submit', text: 'Confirm as new group' })));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const n = nameInput.value.trim();
      const t = tagInput.value.trim();
      if (!n) {
        say('Give the new group a name first (1 to 200 characters).', 'error');
        nameInput.focus();
        return;
      }
      if (!t) {
        say(`Pick a tag first: one of ${knownTags().join(', ')}.`, 'error');
        tagInput.focus();
        return;
      }
      guard(async () => {
        const ok = await confirmNew(id, n, t);
        if (!ok && document.body.contains(tagInput)) tagInput.focus();
      });
    });
    return form;
  }

  async function prefillTag() {
    // The most common ticket tag among the central tickets, when it is a known tag.
    const counts = new Map();
    for (const ex of cluster.examples.slice(0, 5)) {
      try {
        const t = await getTicket(ex.id);
        for (const tg of t.tags || []) counts.set(tg, (counts.get(tg) || 0) + 1);
      } catch {
        // a ticket that cannot be read does not vote
      }
    }
    const best = [...counts.entries()].filter(([t]) => knownTags().includes(t)).sort((a, b) => b[1] - a[1])[0];
    if (best && tagInput && !tagInput.value) tagInput.value = best[0];
  }

  function joinSection() {
    const groupInput = h('input', { type: 'text', name: 'group', list: 'group-options', autocomplete: 'off', placeholder: 'g3 or a group name' });
    const g = field('Existing group', groupInput, 'Type a name or an id; the list offers the confirmed groups.');
    const form = h('form', { class: 'stack', 'aria-labelledby': 'join-h', novalidate: true },
      h('h2', { id: 'join-h', text: '…or join an existing group' }),
      g.wrap,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'secondary', text: 'Join group' })));
    groupInput.addEventListener('focus', () => ensureGroupOptions().catch((err) => sayError(err, 'Loading the groups')), { once: true });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const gid = resolveGroup(groupInput.value);
      if (!gid) {
        say(groupInput.value.trim() ? `No single group is called “${groupInput.value.trim()}”; pick one from the list or type its id (g…).` : 'Type the group to join first.', 'error');
        groupInput.focus();
        return;
      }
      guard(() => confirmJoin(id, gid));
    });
    return form;
  }

  function focusConfirm() {
    if (!nameInput) return;
    nameInput.scrollIntoView({ block: 'center' });
    nameInput.focus();
    nameInput.select();
  }

  // ---- split ----------------------------------------------------------------

  let previewBox;
  function splitSection() {
    kInput = h('input', { type: 'number', name: 'k', min: '2', max: String(Math.max(2, cluster.size - 1)), step: '1', inputmode: 'numeric', placeholder: 'auto' });
    const k = field('Parts (k)', kInput, 'Leave empty to let the silhouette score choose k from 2 to 8.');
    previewBox = h('div', { class: 'preview', 'aria-live': 'polite' });
    const form = h('form', { class: 'stack', 'aria-labelledby': 'split-h', novalidate: true },
      h('h2', { id: 'split-h' }, 'Split ', h('kbd', { text: 's' })),
      h('p', { class: 'hint', text: 'Auto split proposes parts with k-means; look at them before saving.' }),
      k.wrap,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'secondary', text: 'Preview auto split' })),
      previewBox,
      h('p', { class: 'hint', text: 'Or split by hand: choose a part for members in the list, then' }),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', text: 'Split into the chosen parts', onclick: () => guard(manualSplit) })));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const raw = kInput.value.trim();
      let kv = null;
      if (raw) {
        kv = Number(raw);
        if (!Number.isInteger(kv) || kv < 2) {
          say('k must be a whole number of at least 2, or empty to choose it automatically.', 'error');
          kInput.focus();
          return;
        }
      }
      guard(() => runPreview(kv));
    });
    return form;
  }

  async function runPreview(k) {
    clear(previewBox).append(h('p', { class: 'muted', text: 'Asking for a proposal…' }));
    const p = await previewSplit(id, k);
    clear(previewBox);
    if (!p) return;
    const list = h('ol', { class: 'parts' });
    p.parts.forEach((ids, i) => {
      const tickets = h('ul', { class: 'part-tickets' });
      for (const tid of ids.slice(0, 6)) tickets.append(ticketLine(tid));
      const more = ids.length > 6
        ? h('details', {}, h('summary', { text: `and ${plural(ids.length - 6, 'more ticket')}` }), h('ul', { class: 'part-tickets' }, ids.slice(6).map(ticketLine)))
        : null;
      list.append(h('li', { class: 'part' }, h('h3', { text: `Part ${i + 1} · ${plural(ids.length, 'ticket')}` }), tickets, more));
    });
    const save = h('button', { type: 'button', text: `Save these ${p.parts.length} parts` });
    const discard = h('button', { type: 'button', class: 'secondary', text: 'Discard the proposal' });
    save.addEventListener('click', () => guard(() => split(id, p.parts)));
    discard.addEventListener('click', () => {
      clear(previewBox);
      say('The proposed split was discarded; nothing was saved.', 'info');
      kInput.focus();
    });
    previewBox.append(
      h('p', { class: 'preview-head', text: `Proposed: ${plural(p.parts.length, 'part')} (k ${p.k}, silhouette ${p.silhouette.toFixed(3)}). Nothing is saved yet.` }),
      list, h('div', { class: 'row' }, save, discard));
    say(`Proposed a split of ${id} into ${plural(p.parts.length, 'part')} (silhouette ${p.silhouette.toFixed(3)}); nothing is saved until you press “Save these parts”.`, 'info');
    save.focus();
  }

  function ticketLine(tid) {
    const li = h('li', {}, h('span', { class: 'ticket-id', text: tid }), ' ');
    const title = h('span', { class: 'muted', text: '…' });
    li.append(title);
    getTicket(tid).then((t) => {
      title.className = 'ticket-title';
      title.textContent = snippet(t.title || t.body, 90);
    }, (err) => {
      if (isAbort(err)) return;
      title.textContent = `(could not be read: ${err.detail || err.message})`;
      sayOnce(err, `Reading ticket ${tid}`);
    });
    return li;
  }

  async function manualSplit() {
    const byPart = new Map();
    for (const [tid, part] of parts) {
      if (!byPart.has(part)) byPart.set(part, []);
      byPart.get(part).push(tid);
    }
    const chosen = [...byPart.keys()].sort((a, b) => a - b).map((k) => byPart.get(k));
    if (!chosen.length) {
      say('Choose a part for at least one member in the list first; the members you leave unassigned form one more part.', 'error');
      return;
    }
    await split(id, chosen);
  }

  function focusSplit() {
    if (!kInput) return;
    kInput.scrollIntoView({ block: 'center' });
    kInput.focus();
  }

  // ---- reject and undo ------------------------------------------------------------

  function rejectSection() {
    return h('section', { class: 'stack', 'aria-labelledby': 'reject-h' },
      h('h2', { id: 'reject-h' }, 'Reject ', h('kbd', { text: 'r' })),
      h('p', { class: 'hint', text: 'Not one real problem: the tickets stay undecided and this set is not offered again.' }),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'danger', text: 'Reject cluster', onclick: () => guard(() => reject(id)) })));
  }

  function undoSection() {
    const list = h('ul', { class: 'recent' });
    const fill = () => {
      clear(list);
      const recent = recentMine(5);
      if (!recent.length) list.append(h('li', { class: 'muted', text: 'No decisions in this tab yet.' }));
      recent.forEach((d, i) => {
        const button = h('button', { type: 'button', class: 'secondary small', text: `Undo ${d.id}` });
        button.addEventListener('click', () => guard(async () => {
          if (i === 0) await undoLast();
          else {
            const a = await undo(d.id);
            if (a && d.cluster) go(`#/cluster/${encodeURIComponent(d.cluster)}`);
          }
        }));
        list.append(h('li', {}, h('span', { text: `${d.id}: ${d.summary}` }), ' ', button));
      });
    };
    fill();
    stopListening = onSessionChange(fill);
    return h('section', { class: 'stack', 'aria-labelledby': 'undo-h' },
      h('h2', { id: 'undo-h' }, 'Undo ', h('kbd', { text: 'u' })),
      h('p', { class: 'hint', text: 'Your last decisions in this tab, newest first.' }), list);
  }

  // ---- members ----------------------------------------------------------------

  let memberBody;
  let memberStatus;
  let moreBtn;
  let cursor = null;
  let shown = 0;

  function membersSection() {
    const searchInput = h('input', { type: 'search', name: 'q', autocomplete: 'off', placeholder: 'words in the title or body' });
    const s = field('Search the members', searchInput);
    const clearBtn = h('button', { type: 'button', class: 'secondary', text: 'Show all' });
    const form = h('form', { class: 'search-row', role: 'search', 'aria-label': 'Member search', novalidate: true },
      s.wrap, h('button', { type: 'submit', class: 'secondary', text: 'Search' }), clearBtn);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = searchInput.value.trim();
      if (q) guard(() => search(q));
      else listFirst();
    });
    clearBtn.addEventListener('click', () => {
      searchInput.value = '';
      listFirst();
    });
    memberStatus = h('p', { class: 'status', role: 'status' });
    memberBody = h('tbody');
    const table = h('table', { class: 'members' },
      h('caption', { class: 'visually-hidden', text: 'Members of the cluster, most central first' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Part' }), h('th', { scope: 'col', text: 'Ticket' }),
        h('th', { scope: 'col', text: 'Source' }), h('th', { scope: 'col', text: 'Created' }),
        h('th', { scope: 'col', text: 'Similarity' }))),
      memberBody);
    moreBtn = h('button', { type: 'button', class: 'secondary', text: 'Load more members' });
    moreBtn.addEventListener('click', () => guard(loadMore));
    listFirst(true);
    return h('section', { class: 'panel', 'aria-labelledby': 'members-h' },
      h('h2', { id: 'members-h', text: `Members (${cluster.size})` }),
      form, memberStatus,
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Members table' }, table),
      h('div', { class: 'row' }, moreBtn));
  }

  function listFirst(initial) {
    clear(memberBody);
    shown = 0;
    if (initial) {
      addRows(cluster.members);
      cursor = cluster.next_cursor;
      updateMore();
    } else {
      cursor = '';
      loadMore();
    }
  }

  function updateMore() {
    moreBtn.hidden = !cursor;
    memberStatus.textContent = `Showing ${shown} of ${plural(cluster.size, 'member')}${cursor ? '.' : ', all of them.'}`;
  }

  async function loadMore() {
    try {
      const res = await api('GET', `/v1/clusters/${enc}`, { query: { limit: MEMBER_PAGE, cursor }, signal: ctx.signal });
      addRows(res.members);
      cursor = res.next_cursor;
      updateMore();
    } catch (err) {
      if (!isAbort(err)) sayError(err, `Loading more members of ${id}`);
    }
  }

  function addRows(members) {
    for (const m of members) memberBody.append(memberRow(m));
    shown += members.length;
  }

  function memberRow(m) {
    const select = h('select', { 'aria-label': `Part for ${m.id}` },
      h('option', { value: '', text: 'rest' }),
      Array.from({ length: MAX_PARTS }, (_, i) => h('option', { value: String(i + 1), text: `Part ${i + 1}` })));
    select.value = parts.has(m.id) ? String(parts.get(m.id)) : '';
    select.addEventListener('change', () => {
      if (select.value) parts.set(m.id, Number(select.value));
      else parts.delete(m.id);
    });
    const ticketCell = h('td', { class: 'ticket-cell' }, h('span', { class: 'ticket-id', text: m.id }), ' ', h('span', { class: 'muted', text: '…' }));
    const sourceCell = h('td', { text: '…' });
    const createdCell = h('td', { text: '…' });
    getTicket(m.id).then((t) => {
      clear(ticketCell).append(h('span', { class: 'ticket-id', text: t.id }), ' ', h('span', { class: 'ticket-title', text: t.title || snippet(t.body, 90) }));
      if (t.body) {
        ticketCell.append(h('details', { class: 'ticket-body' }, h('summary', { text: 'Body' }), h('p', { text: t.body })));
      }
      sourceCell.textContent = t.source;
      clear(createdCell).append(timeEl(t.created_at));
    }, (err) => {
      if (isAbort(err)) return;
      clear(ticketCell).append(h('span', { class: 'ticket-id', text: m.id }), ' ', h('span', { class: 'form-error', text: `could not be read: ${err.detail || err.message}` }));
      sayOnce(err, `Reading ticket ${m.id}`);
    });
    return h('tr', { dataset: { ticket: m.id } }, h('td', {}, select), ticketCell, sourceCell, createdCell, h('td', { class: 'num', text: m.similarity.toFixed(3) }));
  }

  // GET /v1/clusters/{id} has no text search, so a search reads the
  // cluster's member ids (ids only, 1,000 a page) and keeps the ticket
  // search's hits (GET /v1/tickets?q=) that are among them.
  async function search(q) {
    clear(memberBody);
    moreBtn.hidden = true;
    memberStatus.textContent = `Searching the members for “${q}”…`;
    try {
      const members = new Map();
      let cur = '';
      while (members.size < SEARCH_MEMBER_CAP) {
        const res = await api('GET', `/v1/clusters/${enc}`, { query: { limit: 1000, cursor: cur }, signal: ctx.signal });
        for (const m of res.members) members.set(m.id, m);
        if (!res.next_cursor) break;
        cur = res.next_cursor;
      }
      const hits = [];
      let hc = '';
      let pages = 0;
      let deeper = false;
      for (; pages < SEARCH_HIT_PAGES; pages += 1) {
        const res = await api('GET', '/v1/tickets', { query: { q, limit: 1000, cursor: hc }, signal: ctx.signal });
        for (const t of res.tickets) if (members.has(t.id)) hits.push(members.get(t.id));
        if (!res.next_cursor) break;
        hc = res.next_cursor;
        deeper = pages === SEARCH_HIT_PAGES - 1;
      }
      shown = 0;
      addRows(hits);
      memberStatus.textContent = `${plural(hits.length, 'member matches', 'members match')} “${q}”${deeper ? ` (among the ${SEARCH_HIT_PAGES * 1000} best search hits)` : ''}, best match first. “Show all” lists every member again.`;
    } catch (err) {
      if (isAbort(err)) return;
      memberStatus.textContent = 'The search failed.';
      sayError(err, `Searching the members of ${id}`);
    }
  }

  return {
    destroy: () => stopListening(),
    keepsFocus: ctx.params.do === 'confirm' || ctx.params.do === 'split',
    keys: {
      j: () => step(1),
      k: () => step(-1),
      c: focusConfirm,
      s: focusSplit,
      r: () => {
        if (!cluster) return;
        say(`Rejecting ${id}…`, 'info');
        guard(() => reject(id));
      },
    },
  };
}

