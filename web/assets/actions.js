// The reviewer's decisions, shared by the queue, the cluster view, the
// group view and the decisions view. Each says what happened in words, or
// the server's `detail` when it refused, and moves the queue on when a
// cluster is gone (decided, stale or superseded).

import { api, ApiError } from '/assets/api.js';
import { say, sayError, plural } from '/assets/ui.js';
import {
  markDone, unmarkDone, neighbourCluster, remember, markUndone, lastMine, insertAfter,
  refreshGroupOptions, learnTags, forgetLooks,
} from '/assets/state.js';

export function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = hash;
}

/** Opens the open cluster after `id`, or the queue when there is none. */
export async function moveOn(id, why) {
  let next = null;
  try {
    next = await neighbourCluster(id, 1);
  } catch (err) {
    sayError(err, 'Loading the next cluster');
  }
  if (next) go(`#/cluster/${encodeURIComponent(next)}`);
  else {
    if (why !== 'quiet') say('No more open clusters in the queue.', 'info');
    go('#/queue');
  }
}

/** A refusal that means the cluster is gone: say so and move on. */
function gone(err) {
  return err instanceof ApiError && (err.code === 'cluster-stale' || err.status === 410);
}

/** Where to go once a cluster is decided: the next cluster, or reload the view we are on. */
async function after(id, then) {
  if (then === 'reload') go(window.location.hash || '#/queue');
  else await moveOn(id, 'quiet');
}

async function decide(id, what, request, onDone, then) {
  try {
    const answer = await request();
    markDone(id);
    await onDone(answer);
    return answer;
  } catch (err) {
    if (gone(err)) {
      markDone(id);
      sayError(err, `${what} ${id} was refused, so the queue moves on`);
      await after(id, then);
      return null;
    }
    if (err instanceof ApiError && err.status === 422) learnTags(err.detail);
    sayError(err, `${what} ${id}`);
    return null;
  }
}

export function confirmNew(id, name, tag, then) {
  return decide(id, 'Confirming', () => api('POST', `/v1/clusters/${encodeURIComponent(id)}/confirm`, { body: { name, tag } }), async (a) => {
    remember(a.decision, `confirmed ${id} as the new group ${a.group.id} “${a.group.name}” (${a.group.tag})`);
    say(`Confirmed: ${id} is now the group ${a.group.id} “${a.group.name}” (${a.group.tag}, ${plural(a.group.counts.total, 'ticket')}). Press u to undo.`, 'ok');
    forgetLooks();
    refreshGroupOptions().catch((e) => sayError(e, 'Reloading the groups'));
    await after(id, then);
  }, then);
}

export function confirmJoin(id, group, tag, then) {
  const body = { group };
  if (tag) body.tag = tag;
  return decide(id, 'Joining', () => api('POST', `/v1/clusters/${encodeURIComponent(id)}/confirm`, { body }), async (a) => {
    remember(a.decision, `joined ${id} to ${a.group.id} “${a.group.name}”`);
    say(`Joined: the tickets of ${id} are in ${a.group.id} “${a.group.name}” now (${plural(a.group.counts.total, 'ticket')}). Press u to undo.`, 'ok');
    forgetLooks();
    refreshGroupOptions().catch((e) => sayError(e, 'Reloading the groups'));
    await after(id, then);
  }, then);
}

export function reject(id, then) {
  return decide(id, 'Rejecting', () => api('POST', `/v1/clusters/${encodeURIComponent(id)}/reject`, { body: {} }), async (a) => {
    remember(a.decision, `rejected ${id}`);
    say(`Rejected ${id}: its ${plural(a.decision.detail.tickets, 'ticket')} stay undecided and this set will not be offered again. Press u to undo.`, 'ok');
    await after(id, then);
  }, then);
}

/** Saves a split into `parts` (lists of ticket ids); opens the first new part. */
export function split(id, parts) {
  return decide(id, 'Splitting', () => api('POST', `/v1/clusters/${encodeURIComponent(id)}/split`, { body: { parts } }), async (a) => {
    const made = [...a.clusters, ...a.deferred];
    remember(a.decision, `split ${id} into ${made.length} parts`);
    insertAfter(id, a.clusters);
    const deferred = a.deferred.length ? `; ${plural(a.deferred.length, 'small part')} deferred to the end of the queue` : '';
    say(`Split ${id} into ${plural(made.length, 'part')}: ${made.map((c) => `${c.id} (${c.size})`).join(', ')}${deferred}. Press u to undo.`, 'ok');
    const first = a.clusters[0] || a.deferred[0];
    if (first) go(`#/cluster/${encodeURIComponent(first.id)}`);
    else await moveOn(id, 'quiet');
  });
}

/** Asks the server for proposed parts; nothing is saved. */
export async function previewSplit(id, k) {
  try {
    return await api('POST', `/v1/clusters/${encodeURIComponent(id)}/split`, { body: { auto: k || true, preview: true } });
  } catch (err) {
    if (gone(err)) {
      markDone(id);
      sayError(err, `Previewing a split of ${id} was refused, so the queue moves on`);
      await moveOn(id, 'quiet');
      return null;
    }
    sayError(err, `Previewing a split of ${id}`);
    return null;
  }
}

/** Undoes decision `id`; resolves to the answer, or null when refused (the reason is said). */
export async function undo(id) {
  try {
    const a = await api('POST', `/v1/decisions/${encodeURIComponent(id)}/undo`);
    markUndone(a.undone);
    const engine = a.undone.filter((d) => d !== id);
    const also = engine.length ? ` together with the engine's ${engine.join(', ')}` : '';
    say(`Undid ${id}${also} (recorded as ${a.decision.id}): everything is as it was before it.`, 'ok');
    forgetLooks();
    refreshGroupOptions().catch((e) => sayError(e, 'Reloading the groups'));
    return a;
  } catch (err) {
    sayError(err, `Undoing ${id}`);
    return null;
  }
}

/** `u`: undoes the newest decision this tab made and opens what it restored. */
export async function undoLast() {
  const last = lastMine();
  if (!last) {
    say('Nothing to undo: this tab has made no decision yet that stands. The Decisions view lists every decision, each with its undo.', 'info');
    return;
  }
  const a = await undo(last.id);
  if (!a) return;
  if (last.cluster) {
    unmarkDone(last.cluster);
    go(`#/cluster/${encodeURIComponent(last.cluster)}`);
  } else if (last.group) {
    go(`#/group/${encodeURIComponent(last.group)}`);
  } else {
    go(window.location.hash || '#/queue');
  }
}
