// What the views share: the queue as last loaded (for j/k), this tab's own
// decisions (for u), the tickets already read, the configured tags and the
// groups offered for type-ahead.

import { api } from '/assets/api.js';
import { h, clear, limiter } from '/assets/ui.js';

export const QUEUE_PAGE = 20;

// ---- tags -------------------------------------------------------------------

// The configured tags come from GET /v1/tags (loadTags). Until they have,
// the server's default list stands in; a 422 whose detail lists "the
// configured tags" also replaces it, and the tags of existing groups are
// added (see learnTags / noteGroupTags).
const DEFAULT_TAGS = ['bad-data', 'weak-ux', 'service-outage', 'permission-issue', 'third-party-failure'];
let tags = [...DEFAULT_TAGS];
let tagsConfirmed = false;

export function knownTags() {
  return [...tags];
}

/** Loads the configured tags from the server. */
export async function loadTags() {
  const answer = await api('GET', '/v1/tags');
  if (answer && Array.isArray(answer.tags) && answer.tags.length) {
    tags = answer.tags;
    tagsConfirmed = true;
    renderTagOptions();
  }
}

function renderTagOptions() {
  const list = document.getElementById('tag-options');
  if (!list) return;
  clear(list);
  for (const t of tags) list.append(h('option', { value: t }));
}

/** Reads the configured tags out of a 422 detail such as "…configured tags: a, b, c". */
export function learnTags(detail) {
  const m = /configured (?:tags|list): ([a-z0-9_, -]+)$/i.exec(String(detail || '').trim());
  if (!m) return false;
  const found = m[1].split(',').map((t) => t.trim()).filter(Boolean);
  if (!found.length) return false;
  tags = found;
  tagsConfirmed = true;
  renderTagOptions();
  return true;
}

export function noteGroupTags(groups) {
  if (tagsConfirmed) return;
  let changed = false;
  for (const g of groups) {
    if (g.tag && !tags.includes(g.tag)) {
      tags.push(g.tag);
      changed = true;
    }
  }
  if (changed) renderTagOptions();
}

// ---- groups for type-ahead ----------------------------------------------------

// GET /v1/groups has no name filter, so the type-ahead list is filled from
// its pages (at most 5,000 groups) and the browser's datalist filters it.
const GROUP_OPTION_PAGES = 5;
let groupIndex = new Map();
let groupLoad = null;

export function groupName(id) {
  const g = groupIndex.get(id);
  return g ? g.name : null;
}

export function groupsKnown() {
  return [...groupIndex.values()];
}

export function refreshGroupOptions() {
  groupLoad = (async () => {
    const next = new Map();
    let cursor = '';
    for (let page = 0; page < GROUP_OPTION_PAGES; page += 1) {
      const res = await api('GET', '/v1/groups', { query: { limit: 1000, cursor } });
      for (const g of res.groups) next.set(g.id, g);
      if (!res.next_cursor) break;
      cursor = res.next_cursor;
    }
    groupIndex = next;
    noteGroupTags(next.values());
    const list = document.getElementById('group-options');
    if (list) {
      clear(list);
      for (const g of next.values()) {
        list.append(h('option', { value: g.id, label: `${g.name} · ${g.tag} · ${g.counts.total} tickets` }));
      }
    }
    return next;
  })();
  groupLoad.catch(() => {
    groupLoad = null;
  });
  return groupLoad;
}

export function ensureGroupOptions() {
  return groupLoad || refreshGroupOptions();
}

/** A group id from what was typed: an id as is, else a unique (case-blind) name. */
export function resolveGroup(typed) {
  const t = String(typed || '').trim();
  if (!t) return null;
  if (/^g[a-z0-9-]+$/.test(t)) return t;
  const lower = t.toLowerCase();
  const exact = [...groupIndex.values()].filter((g) => g.name.toLowerCase() === lower);
  if (exact.length === 1) return exact[0].id;
  const prefix = [...groupIndex.values()].filter((g) => g.name.toLowerCase().includes(lower));
  return prefix.length === 1 ? prefix[0].id : null;
}

// ---- tickets ----------------------------------------------------------------

const tickets = new Map();
const ticketLimit = limiter(6);

/** The stored ticket, read once per page load (GET /v1/tickets/{id}). */
export function getTicket(id) {
  if (!tickets.has(id)) {
    const p = ticketLimit(() => api('GET', `/v1/tickets/${encodeURIComponent(id)}`));
    p.catch(() => tickets.delete(id));
    tickets.set(id, p);
  }
  return tickets.get(id);
}

export function ticketText(t) {
  return [t.title, t.body].filter(Boolean).join('\n');
}

// ---- "looks like": suggest-group per cluster ------------------------------------

const looks = new Map();
const suggestLimit = limiter(3);

/** The nearest confirmed groups for a cluster, from its most central ticket's text. */
export function looksLike(cluster) {
  if (!looks.has(cluster.id)) {
    const p = (async () => {
      const first = cluster.examples[0];
      if (!first) return { verdict: 'new', suggestions: [] };
      const t = await getTicket(first.id);
      return suggestLimit(() => api('POST', '/v1/suggest-group', { body: { text: ticketText(t).slice(0, 60000), limit: 3 } }));
    })();
    p.catch(() => looks.delete(cluster.id));
    looks.set(cluster.id, p);
  }
  return looks.get(cluster.id);
}

export function forgetLooks() {
  looks.clear();
}

// ---- the queue as last loaded -------------------------------------------------

export const queue = {
  cursor: '', // the cursor of the page the queue view shows
  stack: [], // cursors of the pages before it
  clusters: [], // clusters in queue order, as loaded
  next: null,
  done: new Set(), // decided (or found stale) in this tab
};

export function setQueuePage(cursor, res) {
  queue.cursor = cursor;
  queue.clusters = res.clusters.slice();
  queue.next = res.next_cursor;
}

function openClusters() {
  return queue.clusters.filter((c) => !queue.done.has(c.id));
}

/** Loads more of the queue after what is loaded: clusters that moved up, then the next page. */
async function extendQueue() {
  const seen = new Set(queue.clusters.map((c) => c.id));
  const limit = Math.min(1000, openClusters().length + QUEUE_PAGE);
  let res = await api('GET', '/v1/clusters', { query: { limit, cursor: queue.cursor } });
  let fresh = res.clusters.filter((c) => !seen.has(c.id) && !queue.done.has(c.id));
  if (!fresh.length && res.next_cursor) {
    res = await api('GET', '/v1/clusters', { query: { limit: QUEUE_PAGE, cursor: res.next_cursor } });
    fresh = res.clusters.filter((c) => !seen.has(c.id) && !queue.done.has(c.id));
  }
  queue.clusters.push(...fresh);
  return fresh.length > 0;
}

/** The id of the open cluster after (dir 1) or before (dir -1) `id` in the queue; null at its end. */
export async function neighbourCluster(id, dir) {
  if (!queue.clusters.length) {
    const res = await api('GET', '/v1/clusters', { query: { limit: QUEUE_PAGE } });
    setQueuePage('', res);
  }
  let list = openClusters();
  let i = queue.clusters.findIndex((c) => c.id === id);
  const after = (idx) => queue.clusters.slice(idx + 1).find((c) => !queue.done.has(c.id) && c.id !== id);
  const before = (idx) => queue.clusters.slice(0, Math.max(0, idx)).reverse().find((c) => !queue.done.has(c.id) && c.id !== id);
  if (dir > 0) {
    const found = i >= 0 ? after(i) : list.find((c) => c.id !== id);
    if (found) return found.id;
    if (await extendQueue()) {
      i = queue.clusters.findIndex((c) => c.id === id);
      list = openClusters();
      const again = i >= 0 ? after(i) : list.find((c) => c.id !== id);
      if (again) return again.id;
    }
    return null;
  }
  const found = i >= 0 ? before(i) : null;
  return found ? found.id : null;
}

export function markDone(id) {
  queue.done.add(id);
}

export function unmarkDone(id) {
  queue.done.delete(id);
}

/** Puts the parts of a split right after their cluster, so j walks through them next. */
export function insertAfter(id, clusters) {
  const i = queue.clusters.findIndex((c) => c.id === id);
  queue.clusters.splice(i >= 0 ? i + 1 : 0, 0, ...clusters);
}

export function clusterFromQueue(id) {
  return queue.clusters.find((c) => c.id === id) || null;
}

// ---- this tab's decisions, for u --------------------------------------------

const SESSION_KEY = 'refrain.decisions';

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || '[]');
  } catch {
    return [];
  }
}

let mine = loadSession();

function saveSession() {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(mine.slice(-200)));
  } catch {
    // not kept across reloads then
  }
  for (const fn of sessionListeners) fn();
}

const sessionListeners = [];
/** Calls `fn` after each change of this tab's decisions; returns a function that stops it. */
export function onSessionChange(fn) {
  sessionListeners.push(fn);
  return () => {
    const i = sessionListeners.indexOf(fn);
    if (i >= 0) sessionListeners.splice(i, 1);
  };
}

/** Remembers a decision this tab made: `{id, kind, cluster, group, summary}`. */
export function remember(decision, summary) {
  mine.push({ id: decision.id, kind: decision.kind, cluster: decision.cluster, group: decision.group, summary });
  saveSession();
}

export function markUndone(ids) {
  const set = new Set(ids);
  mine = mine.filter((d) => !set.has(d.id));
  saveSession();
}

export function lastMine() {
  return mine.length ? mine[mine.length - 1] : null;
}

export function recentMine(n = 5) {
  return mine.slice(-n).reverse();
}
