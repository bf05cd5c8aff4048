// The reviewer's page: hash routing between the views, the keyboard
// shortcuts, and the token prompt the API client opens on a 401.

import { onTokenNeeded, onTokenAccepted, setToken, token, onTokenChange } from '/assets/api.js';
import { clear, say, sayError, h, retire } from '/assets/ui.js';
import { undoLast } from '/assets/actions.js';
import { lastMine, onSessionChange, ensureGroupOptions, knownTags, loadTags } from '/assets/state.js';
import * as queueView from '/assets/views/queue.js';
import * as clusterView from '/assets/views/cluster.js';
import * as groupsView from '/assets/views/groups.js';
import * as groupView from '/assets/views/group.js';
import * as tryView from '/assets/views/try.js';
import * as decisionsView from '/assets/views/decisions.js';

const VIEWS = {
  queue: { module: queueView, nav: 'queue', title: 'Queue' },
  cluster: { module: clusterView, nav: 'queue', title: 'Decide' },
  groups: { module: groupsView, nav: 'groups', title: 'Groups' },
  group: { module: groupView, nav: 'groups', title: 'Group' },
  try: { module: tryView, nav: 'try', title: 'Try a ticket' },
  decisions: { module: decisionsView, nav: 'decisions', title: 'Decisions' },
};

let current = null; // {name, controller, abort}
let authSeen = false; // the server asked for a token at least once
let onAuthSeen = () => {};

/** `#/cluster/c1-4?do=confirm` → {name: 'cluster', arg: 'c1-4', params: {do: 'confirm'}} */
function parseHash(hash) {
  const raw = (hash || '').replace(/^#\/?/, '');
  const [path, qs] = raw.split('?');
  const [name, ...rest] = path.split('/');
  return {
    name: VIEWS[name] ? name : 'queue',
    arg: rest.length ? decodeURIComponent(rest.join('/')) : null,
    params: Object.fromEntries(new URLSearchParams(qs || '')),
  };
}

function route() {
  const hash = window.location.hash;
  if (hash && !hash.startsWith('#/')) return; // an in-page anchor, not a view
  const { name, arg, params } = parseHash(hash);
  if (current) {
    current.abort.abort();
    if (current.controller && current.controller.destroy) current.controller.destroy();
  }
  const view = VIEWS[name];
  const main = document.getElementById('main');
  clear(main);
  main.dataset.view = name;
  for (const a of document.querySelectorAll('.nav a')) {
    if (a.dataset.view === view.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${view.title} · refrain review`;
  const abort = new AbortController();
  const ctx = { signal: abort.signal, arg, params };
  let controller = null;
  try {
    controller = view.module.render(main, ctx) || null;
  } catch (err) {
    sayError(err, `Showing ${view.title}`);
  }
  current = { name, controller, abort };
  const heading = main.querySelector('h1');
  if (heading && !(controller && controller.keepsFocus)) heading.focus({ preventScroll: false });
}

// ---- keyboard ---------------------------------------------------------------

function typing(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target.getAttribute('type') || 'text').toLowerCase();
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (document.querySelector('dialog[open]') && event.key !== '?') return;
  if (typing(event.target)) {
    if (event.key === 'Escape') event.target.blur();
    return;
  }
  const key = event.key;
  if (key === '?') {
    event.preventDefault();
    toggleHelp();
    return;
  }
  if (key === 'u') {
    event.preventDefault();
    undoLast();
    return;
  }
  if (['j', 'k', 'c', 's', 'r'].includes(key)) {
    const keys = current && current.controller && current.controller.keys;
    if (keys && keys[key]) {
      event.preventDefault();
      keys[key]();
    } else if (key === 'j' || key === 'c' || key === 's' || key === 'r') {
      say(`The key ${key} works in the Queue and on a cluster; open the Queue first.`, 'info');
    }
  }
}

// ---- dialogs ----------------------------------------------------------------

function toggleHelp() {
  const dialog = document.getElementById('help-dialog');
  if (dialog.open) dialog.close();
  else dialog.showModal();
}

/** The 401 handler: asks for a token in a labelled form; true when one was given. */
function askForToken(detail) {
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const why = document.getElementById('token-why');
  const error = document.getElementById('token-error');
  const cancel = document.getElementById('token-cancel');
  const hadToken = Boolean(token());
  authSeen = true;
  onAuthSeen();
  why.textContent = hadToken
    ? `The server did not accept the token: ${detail}`
    : `The server asks for a token: ${detail}`;
  say(`Sign-in needed: ${detail} (HTTP 401, unauthorized)`, 'error');
  error.hidden = true;
  input.value = '';
  return new Promise((resolve) => {
    const done = (given) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(given);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) {
        error.textContent = 'Enter the token first: the field is empty.';
        error.hidden = false;
        input.focus();
        return;
      }
      setToken(value);
      done(true);
    };
    const onCancel = (event) => {
      event.preventDefault();
      done(false);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}

function updateUndoButton() {
  const button = document.getElementById('undo-last');
  const last = lastMine();
  button.disabled = !last;
  button.title = last ? `Undo ${last.id}: ${last.summary}` : 'No decision made in this tab to undo';
}

function boot() {
  onTokenNeeded(askForToken);
  onTokenAccepted(() => say('Signed in: the server accepted the token. It is kept in this tab only; “Forget token” drops it.', 'ok'));
  document.getElementById('live-dismiss').addEventListener('click', () => {
    retire();
    document.getElementById('main').focus();
  });
  // One button: "Forget token" while a token is kept, "Sign in" after the
  // server asked for one and the prompt was cancelled; hidden when auth is off.
  const tokenButton = document.getElementById('token-button');
  const updateTokenButton = () => {
    tokenButton.hidden = !token() && !authSeen;
    tokenButton.textContent = token() ? 'Forget token' : 'Sign in';
  };
  onTokenChange(updateTokenButton);
  tokenButton.addEventListener('click', () => {
    if (token()) {
      setToken(null);
      say('The token is forgotten; the next request will ask for one.', 'info');
    }
    route();
  });
  onAuthSeen = updateTokenButton;
  updateTokenButton();
  document.getElementById('help-open').addEventListener('click', toggleHelp);
  document.getElementById('help-close').addEventListener('click', () => document.getElementById('help-dialog').close());
  document.getElementById('undo-last').addEventListener('click', () => undoLast());
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
  onSessionChange(updateUndoButton);
  updateUndoButton();
  const tagList = document.getElementById('tag-options');
  for (const t of knownTags()) tagList.append(h('option', { value: t }));
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', onKey);
  if (!window.location.hash) window.history.replaceState(null, '', '#/queue');
  route();
  // The tags and the type-ahead of groups load in the background; a
  // failure is said once.
  loadTags().catch((err) => sayError(err, 'Loading the configured tags'));
  ensureGroupOptions().catch((err) => sayError(err, 'Loading the groups for type-ahead'));
}

boot();
