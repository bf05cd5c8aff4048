// The one way the page talks to refrain's /v1 API.
//
// Every answer that is not 2xx becomes an ApiError carrying the server's
// problem+json (`code`, `status`, `detail`), so each view can show the
// server's own sentence. A 401 asks the user for a token (through the
// handler app.js installs), keeps it in sessionStorage only, and retries.

const TOKEN_KEY = 'refrain.token';

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = (problem && problem.detail) || `the server answered HTTP ${status}`;
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = (problem && problem.code) || `http-${status}`;
    this.detail = detail;
    this.problem = problem || {};
  }
}

export function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(value) {
  try {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lives as long as the prompt asks again.
  }
  for (const fn of tokenListeners) fn(Boolean(value));
}

const tokenListeners = [];
export function onTokenChange(fn) {
  tokenListeners.push(fn);
}

let askForToken = null;
let asking = null;
let promptedSince = false; // a token was given at a prompt and no request has succeeded with it yet
let onAccepted = null;

/** `fn()` runs once after a token given at the prompt is first accepted. */
export function onTokenAccepted(fn) {
  onAccepted = fn;
}

/** `fn(detail) -> Promise<boolean>`: ask the user for a token; true when one was given. */
export function onTokenNeeded(fn) {
  askForToken = fn;
}

function askOnce(detail) {
  if (!asking) {
    asking = Promise.resolve(askForToken(detail)).finally(() => {
      asking = null;
    });
  }
  return asking;
}

async function readProblem(res) {
  const type = res.headers.get('content-type') || '';
  if (type.includes('json')) {
    try {
      return await res.json();
    } catch {
      // fall through to a problem of our own
    }
  }
  return { status: res.status, code: `http-${res.status}`, detail: `the server answered HTTP ${res.status} ${res.statusText}`.trim() };
}

/**
 * `api('GET', '/v1/clusters', {query: {limit: 20}, signal})` → parsed JSON.
 * Throws ApiError (status 0 when the server cannot be reached); an aborted
 * request throws the browser's AbortError, which views ignore.
 */
export async function api(method, path, { query, body, signal } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  for (;;) {
    const sent = token();
    const headers = { Accept: 'application/json, application/problem+json' };
    if (sent) headers.Authorization = `Bearer ${sent}`;
    const init = { method, headers, signal };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (err) {
      if (err && err.name === 'AbortError') throw err;
      throw new ApiError(0, {
        code: 'network',
        detail: `the server could not be reached (${err && err.message ? err.message : err}); is refrain serve still running?`,
      });
    }
    if (res.status === 401 && askForToken) {
      const problem = await readProblem(res);
      // Another request may have brought a new token while this one was out.
      if (token() && token() !== sent) continue;
      if (await askOnce(problem.detail)) {
        promptedSince = true;
        continue;
      }
      throw new ApiError(401, problem);
    }
    if (res.ok && promptedSince && token() === sent) {
      promptedSince = false;
      if (onAccepted) onAccepted();
    }
    if (!res.ok) throw new ApiError(res.status, await readProblem(res));
    if (res.status === 204 || method === 'HEAD') return null;
    const type = res.headers.get('content-type') || '';
    return type.includes('json') ? res.json() : res.text();
  }
}

/** True for the error a view sees when its navigation aborted the request. */
export function isAbort(err) {
  return Boolean(err && err.name === 'AbortError');
}
