#!/usr/bin/env node
// The reviewer's page in a real browser: starts the real refrain binary
// (`serve --demo`, one admin token, a fresh data directory, a free
// loopback port), drives headless Chromium (the system's /usr/bin/chromium
// through playwright-core) through a review session and checks each step
// against the API.
//
//   node tests/browser/review.mjs target/debug/refrain
//   SCREENSHOTS=1 node tests/browser/review.mjs target/debug/refrain   # also rewrites docs/screenshots/
//
// The page is served from the binary's embedded copy of web/. With
// REFRAIN_WEB_DIR set in this script's environment it is passed on, so the
// server reads web/ from disk instead (for work on the page without a
// rebuild). Exits 0 when every check passed, 1 otherwise.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOT_DIR = path.resolve(HERE, '../../docs/screenshots');
const SCREENSHOTS = process.env.SCREENSHOTS === '1';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOKEN = 'browser-test-admin-token-5f2c9a1e';
const TIMEOUT_MS = 150_000;
const STEP_MS = 15_000;

const bin = process.argv[2];
if (!bin) {
  console.error('usage: node tests/browser/review.mjs <path-to-refrain-binary>');
  process.exit(2);
}

const started = Date.now();
const passed = [];
const ok = (what) => {
  passed.push(what);
  console.log(`ok ${String(passed.length).padStart(2)}  ${what}`);
};
const check = (cond, what, got) => {
  if (!cond) throw new Error(`check failed: ${what}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`);
  ok(what);
};

// ---- the server ---------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refrain-browser-'));
let server = null;
let serverLog = '';
let browser = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise((r) => server.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!exited) server.kill('SIGKILL');
  }
  server = null;
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function fail(err) {
  console.error(`\nFAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${err && err.stack ? err.stack : err}`);
  if (serverLog) console.error(`\n--- server output (last 4000 characters) ---\n${serverLog.slice(-4000)}`);
  console.error(`\n${passed.length} checks had passed.`);
  await cleanup();
  process.exit(1);
}

process.on('SIGINT', () => fail(new Error('interrupted')));
process.on('SIGTERM', () => fail(new Error('terminated')));
const deadline = setTimeout(() => fail(new Error(`the run took longer than ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);

async function startServer() {
  const port = await freePort();
  const config = path.join(tmp, 'refrain.toml');
  fs.writeFileSync(config, `[[tokens]]\ntoken = "${TOKEN}"\nrole = "admin"\nname = "browser-test"\n`);
  const env = { ...process.env, NO_COLOR: '1' };
  for (const key of ['REFRAIN_CONFIG', 'REFRAIN_DATA', 'REFRAIN_ADDR']) delete env[key];
  server = spawn(bin, ['serve', '--demo', '--data', path.join(tmp, 'data'), '--addr', `127.0.0.1:${port}`, '--config', config], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  const exited = new Promise((_, reject) => server.once('exit', (code, sig) => reject(new Error(`refrain serve exited early (code ${code}, signal ${sig})`))));
  const base = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 600; i += 1) {
      try {
        const res = await fetch(`${base}/readyz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('refrain serve was not ready within 60 s');
  })();
  await Promise.race([ready, exited]);
  exited.catch(() => {});
  return base;
}

// ---- the test ----------------------------------------------------------------------

async function main() {
  const base = await startServer();
  const webDir = process.env.REFRAIN_WEB_DIR;
  ok(`refrain serve --demo is ready at ${base} (page from ${webDir ? `REFRAIN_WEB_DIR=${webDir}` : 'the embedded assets'})`);

  const api = async (method, p, body) => {
    const headers = { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const index = await fetch(`${base}/`);
  if (index.status !== 200) {
    throw new Error(`GET / answered ${index.status}: this binary embeds no page (it was built before web/ had one). `
      + 'Rebuild it (cargo build embeds web/ through build.rs), or set REFRAIN_WEB_DIR=web to serve the files from disk.');
  }
  check((index.headers.get('content-security-policy') || '').includes("script-src 'self'"), 'GET / serves the page under its strict CSP');
  const unauth = await fetch(`${base}/v1/clusters`);
  check(unauth.status === 401, 'the API answers 401 without a token', unauth.status);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);

  // Any console error or page error fails the run, except the browser's own
  // "Failed to load resource" line for the API refusals this test provokes
  // on purpose (401 before the token, 422 unknown tag, 409 stale cluster).
  const expectedStatuses = new Set();
  const problems = [];
  const tolerated = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    const url = (msg.location() && msg.location().url) || '';
    const m = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text);
    if (m && expectedStatuses.has(Number(m[1])) && new URL(url, base).pathname.startsWith('/v1/')) {
      tolerated.push(`${m[1]} ${new URL(url, base).pathname}`);
      return;
    }
    problems.push(`console error: ${text} ${url}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  const noProblems = (when) => {
    if (problems.length) throw new Error(`${when}: ${problems.join('\n')}`);
  };

  const live = page.locator('#messages');
  const shot = async (name) => {
    if (!SCREENSHOTS) return;
    fs.mkdirSync(SHOT_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SHOT_DIR, name) });
    ok(`screenshot docs/screenshots/${name}`);
  };
  const clusterInHash = () => page.evaluate(() => {
    const m = /^#\/cluster\/([^?]+)/.exec(window.location.hash);
    return m ? decodeURIComponent(m[1]) : null;
  });
  const waitLive = (text) => live.getByText(text).first().waitFor({ state: 'attached' });
  // The API errors this test provokes must be the message in view in the aria-live region itself.
  const waitAnnounced = (text) => page.locator('#live[aria-live] .message.error').getByText(text).first().waitFor();

  // ---- 401: the token prompt --------------------------------------------------------
  expectedStatuses.add(401);
  await page.goto(`${base}/`);
  const dialog = page.getByRole('dialog', { name: 'An API token is needed' });
  await dialog.waitFor();
  check(await dialog.isVisible(), 'without a token the page asks for one (401)');
  await waitAnnounced('Sign-in needed');
  ok('the 401 is said in the live region');
  await shot('token.png');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await waitLive('Loading the queue: ');
  ok('cancelling the prompt leaves the 401 said in words');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await dialog.waitFor();
  ok('“Sign in” asks for the token again');
  await page.getByLabel('API token', { exact: true }).fill('not-the-right-token-000000');
  await page.getByRole('button', { name: 'Use this token' }).click();
  await dialog.getByText('did not accept the token').waitFor();
  ok('a wrong token is refused in words and the prompt asks again');
  await page.getByLabel('API token', { exact: true }).fill(TOKEN);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const stored = await page.evaluate(() => [sessionStorage.getItem('refrain.token'), localStorage.length]);
  check(stored[0] === TOKEN && stored[1] === 0, 'the token is kept in sessionStorage only', stored);
  expectedStatuses.delete(401);

  // ---- the queue ------------------------------------------------------------------------
  const clusters = (await api('GET', '/v1/clusters?limit=20')).body.clusters;
  const cards = page.locator('.cards > .card');
  await cards.first().waitFor();
  check(await cards.count() === clusters.length, `the queue lists the API's first page (${clusters.length} clusters)`, await cards.count());
  const firstTitle = await cards.first().locator('.card-title').innerText();
  check(firstTitle === clusters[0].label_terms.slice(0, 6).join(', '), 'the largest cluster comes first, named by its label terms', firstTitle);
  await cards.first().locator('.looks a').first().waitFor().catch(() => {});
  await cards.first().locator('.examples .ticket-title').first().waitFor();
  const looksText = await cards.first().locator('.looks').innerText();
  check(/^Looks like: /.test(looksText) && !looksText.includes('asking'), 'each card says which confirmed groups it looks like', looksText);
  await page.keyboard.press('j');
  check(await cards.nth(1).getAttribute('aria-current') === 'true', 'j selects the next cluster');
  await page.keyboard.press('k');
  check(await cards.nth(0).getAttribute('aria-current') === 'true', 'k selects the previous cluster');
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  ok('? opens the shortcut help');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  await shot('queue.png');

  // ---- confirm: 422 for an unknown tag, then a real confirm -------------------------------
  const first = clusters[0];
  await page.keyboard.press('c');
  await page.waitForFunction((id) => window.location.hash.startsWith(`#/cluster/${encodeURIComponent(id)}`), first.id);
  const name = page.getByLabel('Group name', { exact: true });
  await name.waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('name') === 'name');
  ok('c opens the selected cluster with the group name focused');
  await page.locator('table.members tbody tr').first().waitFor();
  const memberRows = await page.locator('table.members tbody tr').count();
  check(memberRows === Math.min(50, first.size), `the cluster's members are listed (${memberRows})`, memberRows);
  await page.locator('table.members .ticket-title').first().waitFor();
  await shot('decide.png');

  // Members are searchable: the ticket search's hits among the cluster's members.
  const word = first.label_terms[0];
  const memberIds = new Set((await api('GET', `/v1/clusters/${first.id}?limit=1000`)).body.members.map((m) => m.id));
  const hits = (await api('GET', `/v1/tickets?q=${encodeURIComponent(word)}&limit=1000`)).body.tickets.filter((t) => memberIds.has(t.id));
  await page.getByLabel('Search the members', { exact: true }).fill(word);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText(`match “${word}”`).or(page.getByText(`matches “${word}”`)).first().waitFor();
  const found = await page.locator('table.members tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.ticket));
  check(JSON.stringify(found) === JSON.stringify(hits.map((t) => t.id)), `searching the members for “${word}” finds the ${hits.length} that match`, found);
  await page.getByRole('button', { name: 'Show all', exact: true }).click();
  await page.waitForFunction((n) => document.querySelectorAll('table.members tbody tr').length === n, Math.min(50, first.size));

  expectedStatuses.add(422);
  const groupName = 'Payment declined with a valid card';
  await name.fill(groupName);
  await page.getByLabel('Tag', { exact: true }).fill('not-a-tag');
  await name.press('Enter');
  await waitAnnounced("unknown tag 'not-a-tag'");
  const liveText = await page.locator('#live').textContent();
  check(/use one of the configured tags: bad-data/.test(liveText), 'an unknown tag is refused with the API’s sentence (422)', liveText);
  check((await api('GET', `/v1/clusters/${first.id}?limit=1`)).status === 200, 'after the 422 the cluster is still open');
  expectedStatuses.delete(422);

  await page.getByLabel('Tag', { exact: true }).fill('third-party-failure');
  await page.getByRole('button', { name: 'Confirm as new group' }).click();
  await waitLive(`Confirmed: ${first.id} is now the group`);
  const groupsAfter = (await api('GET', '/v1/groups?limit=1000')).body.groups;
  const made = groupsAfter.find((g) => g.name === groupName);
  check(made && made.tag === 'third-party-failure', `the confirm made the group ${made && made.id} with its tag`, made);
  check((await api('GET', `/v1/clusters/${first.id}`)).status === 410, 'the confirmed cluster is decided (410)');
  await page.waitForFunction((id) => /^#\/cluster\//.test(window.location.hash) && !window.location.hash.includes(encodeURIComponent(id)), first.id);
  ok('after the confirm the page moves on to the next cluster');

  // ---- 409: a cluster decided elsewhere ----------------------------------------------------
  const staleId = await clusterInHash();
  await page.locator('h1').filter({ hasText: ',' }).first().waitFor();
  const elsewhere = await api('POST', `/v1/clusters/${staleId}/reject`, {});
  check(elsewhere.status === 200, `another reviewer rejects ${staleId} through the API`, elsewhere.status);
  expectedStatuses.add(409);
  await page.getByRole('button', { name: 'Reject cluster' }).click();
  await waitAnnounced(`cluster '${staleId}' cannot be decided now: decision ${elsewhere.body.decision.id} already decided it`);
  ok('the stale decision is explained with the API’s sentence (409)');
  await page.waitForFunction((id) => !window.location.hash.includes(encodeURIComponent(id)), staleId);
  ok('after the 409 the queue moves on');
  expectedStatuses.delete(409);

  // ---- auto split: preview, save, undo ----------------------------------------------------
  const open = (await api('GET', '/v1/clusters?limit=50')).body.clusters;
  const current = await clusterInHash();
  const target = open.find((c) => c.size >= 8 && c.id !== current);
  check(Boolean(target), `a cluster of 8 or more tickets to split (${target && target.id}, ${target && target.size} tickets)`);
  await page.evaluate((id) => { window.location.hash = `#/cluster/${encodeURIComponent(id)}?do=split`; }, target.id);
  const k = page.getByLabel('Parts (k)', { exact: true });
  await k.waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('name') === 'k');
  ok('s / ?do=split goes to the auto split');
  await k.fill('2');
  await page.getByRole('button', { name: 'Preview auto split' }).click();
  const parts = page.locator('.preview .part');
  await parts.first().waitFor();
  const expected = (await api('POST', `/v1/clusters/${target.id}/split`, { auto: 2, preview: true })).body;
  const shownSizes = await parts.locator('h3').allInnerTexts();
  check(shownSizes.length === expected.parts.length && shownSizes.every((t, i) => t.includes(`${expected.parts[i].length} ticket`)),
    `the preview shows the proposed parts (${expected.parts.map((p) => p.length).join(' + ')})`, shownSizes);
  const noSplitYet = (await api('GET', `/v1/decisions?cluster=${target.id}`)).body.decisions;
  check(noSplitYet.length === 0, 'a preview saves nothing');
  await page.locator('.preview .part-tickets .ticket-title').first().waitFor();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('split.png');
  await page.getByRole('button', { name: `Save these ${expected.parts.length} parts` }).click();
  await waitLive(`Split ${target.id} into`);
  const splitDecision = (await api('GET', `/v1/decisions?cluster=${target.id}&kind=split`)).body.decisions[0];
  check(splitDecision && splitDecision.undone_by === null, `the split is saved (${splitDecision && splitDecision.id})`);
  check(JSON.stringify(splitDecision.detail.parts.map((p) => [...p].sort())) === JSON.stringify(expected.parts.map((p) => [...p].sort())),
    'the saved parts are the previewed ones');
  await page.waitForFunction((id) => window.location.hash.startsWith(`#/cluster/${encodeURIComponent(id)}-`), target.id);
  ok('after the split the page opens its first part');
  await page.locator('h1').filter({ hasText: ',' }).first().waitFor();

  await page.locator('h1').first().focus();
  await page.keyboard.press('u');
  await waitLive(`Undid ${splitDecision.id}`);
  const undone = (await api('GET', `/v1/decisions?cluster=${target.id}&kind=split`)).body.decisions[0];
  check(undone.undone_by !== null, `u undid the split (undone by ${undone.undone_by})`);
  check((await api('GET', `/v1/clusters/${target.id}?limit=1`)).status === 200, 'the split cluster is open again');
  await page.waitForFunction((id) => window.location.hash === `#/cluster/${encodeURIComponent(id)}`, target.id);
  ok('after the undo the page shows the restored cluster');

  // ---- try a ticket --------------------------------------------------------------------------
  await page.getByRole('link', { name: 'Try a ticket', exact: true }).click();
  const text = 'my card is declined at checkout although it is valid';
  await page.getByLabel('Ticket text', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Suggest a group' }).click();
  const verdict = page.locator('#verdict');
  await verdict.waitFor();
  const apiVerdict = (await api('POST', '/v1/suggest-group', { text, limit: 5 })).body;
  check(await verdict.innerText() === apiVerdict.verdict, `the verdict is shown (${apiVerdict.verdict})`, await verdict.innerText());
  const firstRanked = await page.locator('.ranked-item').first().locator('a').innerText();
  check(firstRanked === apiVerdict.suggestions[0].name, `the ranked groups are the API's, best first (${firstRanked})`, firstRanked);
  check(await page.locator('.ranked-item').first().locator('.why .badge').count() > 0, 'each ranked group says why');
  await shot('try.png');

  // ---- groups: counts equal the API's ------------------------------------------------------
  await page.getByRole('link', { name: 'Groups', exact: true }).click();
  await page.locator('#groups-table[data-loaded]').waitFor();
  const apiGroups = (await api('GET', '/v1/groups?limit=50')).body.groups;
  const rows = await page.locator('#groups-table tbody tr').evaluateAll((trs) => trs.map((tr) => {
    const cell = (col) => tr.querySelector(`[data-col="${col}"]`).textContent.trim();
    return { id: tr.dataset.group, last_7d: cell('last_7d'), last_30d: cell('last_30d'), since_fix: cell('since_fix'), total: cell('total'), by_source: cell('by_source') };
  }));
  check(rows.length === apiGroups.length, `the groups table lists every group (${rows.length})`, rows.length);
  for (const [i, g] of apiGroups.entries()) {
    const r = rows[i];
    const same = r.id === g.id && r.last_7d === String(g.counts.last_7d) && r.last_30d === String(g.counts.last_30d)
      && r.since_fix === String(g.counts.since_fix) && r.total === String(g.counts.total);
    check(same, `${g.id}: 7d ${g.counts.last_7d}, 30d ${g.counts.last_30d}, since fix ${g.counts.since_fix}, total ${g.counts.total} as in GET /v1/groups`, r);
  }
  await page.locator('#groups-table tbody tr svg.chart').nth(apiGroups.length - 1).waitFor();
  ok('each group has its weekly chart');
  await shot('groups.png');
  await page.getByLabel('Tag', { exact: true }).selectOption('third-party-failure');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(() => window.location.hash.includes('tag=third-party-failure'));
  await page.locator('#groups-table[data-loaded]').waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('#groups-table tbody tr').length === n,
    (await api('GET', '/v1/groups?tag=third-party-failure')).body.groups.length);
  ok('the tag filter shows the API\'s filtered list');

  // ---- one group: members and PATCH ------------------------------------------------------
  await page.getByRole('link', { name: groupName }).click();
  await page.locator('table.members tbody tr').first().waitFor();
  const reviewerBadges = await page.locator('table.members .badge-reviewer').count();
  check(reviewerBadges > 0, `the group's members say who placed them (${reviewerBadges} by the reviewer)`);
  await page.getByLabel('Owner', { exact: true }).fill('ana');
  await page.getByLabel('Review by', { exact: true }).fill('2026-12-15');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await waitLive(`Saved ${made.id}`);
  const edited = (await api('GET', `/v1/groups/${made.id}?limit=1`)).body;
  check(edited.owner === 'ana' && edited.review_by === '2026-12-15', 'owner and review date are saved through PATCH', edited);
  await page.getByLabel('Owner', { exact: true }).waitFor();
  await page.locator('.chart-large').waitFor();
  await page.locator('table.members .ticket-title').first().waitFor();
  await shot('group.png');

  // ---- decisions -----------------------------------------------------------------------------
  await page.getByRole('link', { name: 'Decisions', exact: true }).click();
  await page.locator('#decisions-table tbody tr').first().waitFor();
  const newest = (await api('GET', '/v1/decisions?limit=1')).body.decisions[0];
  check(await page.locator('#decisions-table tbody tr').first().getAttribute('data-decision') === newest.id, `the decisions view lists the newest first (${newest.id})`);
  const splitRow = page.locator(`#decisions-table tbody tr[data-decision="${splitDecision.id}"]`);
  check((await splitRow.innerText()).includes(`undone by ${undone.undone_by}`), 'the undone split shows who undid it');
  await shot('decisions.png');

  // ---- a narrow window ---------------------------------------------------------------------
  await page.setViewportSize({ width: 400, height: 800 });
  await page.getByRole('link', { name: 'Queue', exact: true }).click();
  await cards.first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 401, `at 400 px wide nothing overflows sideways (${overflow} px)`, overflow);
  await cards.first().locator('.examples .ticket-title').first().waitFor();
  await shot('queue-narrow.png');

  await page.waitForTimeout(300);
  noProblems('during the run');
  ok(`no console errors and no page errors (tolerated: ${tolerated.length ? [...new Set(tolerated)].join(', ') : 'none'})`);
}

main().then(async () => {
  clearTimeout(deadline);
  await cleanup();
  console.log(`\nPASSED: ${passed.length} checks in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  process.exit(0);
}, fail);
