// ui_test.mjs - the web UI in a real browser, as its users click through it.
//
//   node ui_test.mjs STAGE_BINARY SCREENSHOT_DIR
//
// Starts the stage binary on a free 127.0.0.1 port (with --data in a fresh
// folder, or, with SANTA_E2E_NO_DATA set, on the servers its launcher passed in
// SANTA_PG / SANTA_REDIS), drives Debian's /usr/bin/chromium through
// playwright-core (never a downloaded browser), and checks:
//   - the security headers on the pages (strict CSP, nosniff, no-referrer);
//   - an organizer creates an exchange; five people join through the invite
//     link, each in a browser context of their own; an exclusion; the draw;
//   - each participant sees exactly one recipient, never themselves, the
//     exclusion and no_mutual are honoured, everyone receives exactly once;
//   - the organizer's page never receives a pair (every API answer it got is
//     inspected) and the admin token cannot read an assignment;
//   - a name with a <script> tag shows literally and runs nothing, and the
//     CSP blocks a script injected into the page;
//   - API errors appear as sentences next to the field they name; an
//     infeasible draw names who cannot be matched;
//   - secrets never appear in a URL the browser sent (only in fragments).
// Saves a screenshot of every page in SCREENSHOT_DIR. Bounded: every wait has
// a timeout, and the whole run is killed by ctest's TIMEOUT.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [binary, shots] = process.argv.slice(2);
if (!binary || !shots) {
  console.error('usage: node ui_test.mjs STAGE_BINARY SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const SCRIPT_NAME = '<script>window.pwned=1</script><b>Eve</b>';
const FORMULA = '=HYPERLINK("http://example.org","click")';
const NAMES = ['Ann', 'Bob', 'Cid', 'Dee', SCRIPT_NAME];

let checks = 0;
function check(cond, what) {
  assert.ok(cond, what);
  checks++;
}

// ---- the server ------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'santa-ui-'));
  const logPath = join(shots, 'server.log');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const args = ['--listen', `127.0.0.1:${port}`, '--threads', '16'];
    if (!process.env.SANTA_E2E_NO_DATA) args.push('--data', data);
    const log = createWriteStream(logPath);
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    let exited = false;
    child.on('exit', () => { exited = true; });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 300 && !exited; i++) { // up to 30 s: PostgreSQL migrations on a busy machine
      try {
        const r = await fetch(base + '/readyz');
        if (r.status === 200) return { child, base, data };
      } catch (e) { /* not listening yet */ }
      await sleep(100);
    }
    child.kill('SIGKILL');
    if (!exited) throw new Error('the server did not become ready: ' + readFileSync(logPath, 'utf8'));
    // exited: most likely the port was taken between freePort() and bind: try another
  }
  throw new Error('the server would not start: ' + readFileSync(logPath, 'utf8'));
}

// ---- the browser -----------------------------------------------------------

const server = await startServer();
const browser = await chromium.launch({
  executablePath: process.env.SANTA_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: 60000,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
         '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run',
         '--disable-extensions', '--metrics-recording-only', '--disable-features=Translate,MediaRouter'],
});

const sentUrls = [];     // every URL any page requested
const pageErrors = [];   // uncaught exceptions in our pages
const secretsSeen = [];  // every token and invite code the UI showed

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 820, height: 760 } });
  context.setDefaultTimeout(30000);
  const page = await context.newPage();
  page.on('request', (r) => sentUrls.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return { context, page };
}

async function ready(page) {
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
}

function fragmentParams(url) {
  return new URLSearchParams(new URL(url).hash.slice(1));
}

let failed = false;
try {
  // -- the create page, its headers, a validation error next to its field --
  const org = await newPage();
  const resp = await org.page.goto(server.base + '/');
  const h = resp.headers();
  const csp = h['content-security-policy'] || '';
  check(/script-src 'self'/.test(csp) && /default-src 'none'/.test(csp), 'a strict CSP: ' + csp);
  check(!/unsafe-inline|unsafe-eval/.test(csp), 'no unsafe-inline or unsafe-eval: ' + csp);
  check(h['x-content-type-options'] === 'nosniff', 'nosniff');
  check(h['referrer-policy'] === 'no-referrer', 'no-referrer');
  check(h['content-type'].startsWith('text/html'), 'the page is HTML: ' + h['content-type']);
  await ready(org.page);
  await org.page.click('#create-form button[type=submit]'); // empty name
  const nameProblem = org.page.locator('[data-problem-for="name"]');
  await nameProblem.waitFor();
  const text = await nameProblem.textContent();
  check(/^Name must be .*\.$/.test(text), 'the empty name is explained as a sentence: ' + text);
  check(await org.page.evaluate(() => document.querySelector('[data-problem-for="name"]')
    .previousElementSibling.contains(document.querySelector('input[name="name"]'))),
  'the problem stands right after the name field');
  await shot(org.page, '01-create-error');

  await org.page.fill('input[name="name"]', 'Office 2026');
  await org.page.fill('input[name="budget"]', '25 EUR');
  await org.page.check('input[name="no_mutual"]');
  await shot(org.page, '02-create');
  await org.page.click('#create-form button[type=submit]');
  await org.page.waitForSelector('#created:not([hidden])');
  check((await org.page.textContent('#created')).includes('Keep this link, it is shown once'),
    'the organizer is told to keep the link');
  const adminUrl = await org.page.getAttribute('#admin-link', 'href');
  const adminSecrets = fragmentParams(adminUrl);
  check(adminSecrets.get('t') && adminSecrets.get('i'), 'the admin link carries #t= and #i=');
  check(!new URL(adminUrl).pathname.includes(adminSecrets.get('t')) && !new URL(adminUrl).search,
    'the token is only in the fragment');
  secretsSeen.push(adminSecrets.get('t'), adminSecrets.get('i'));
  await shot(org.page, '03-created');
  const exchangeId = new URL(adminUrl).pathname.split('/')[2];

  // -- the organizer's page, empty --
  await org.page.goto(adminUrl);
  await ready(org.page);
  const inviteUrl = await org.page.getAttribute('#invite-link', 'href');
  check(new URL(inviteUrl).pathname === `/x/${exchangeId}/join` && fragmentParams(inviteUrl).get('i'),
    'the invite link is /x/{id}/join#i=…');

  // Every API answer the organizer's browser gets, to prove no pair reaches it.
  const orgBodies = [];
  org.page.on('response', async (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) {
      try { orgBodies.push(await r.text()); } catch (e) { /* a body gone with a navigation */ }
    }
  });

  // -- five people join, each in a context of their own --
  const people = [];
  for (const [i, name] of NAMES.entries()) {
    const p = await newPage();
    await p.page.goto(inviteUrl);
    await ready(p.page);
    check(await p.page.textContent('#exchange-name') === 'Office 2026', 'the join page names the exchange');
    if (i === 0) {
      await p.page.fill('input[name="name"]', name);
      await p.page.fill('input[name="email"]', 'not an address');
      await p.page.click('#join-form button[type=submit]');
      const e = p.page.locator('[data-problem-for="email"]');
      await e.waitFor();
      check(/^Email .*\.$/i.test(await e.textContent()), 'a bad email is explained next to the field');
      await shot(p.page, '04-join-error');
    }
    await p.page.fill('input[name="name"]', name);
    await p.page.fill('input[name="email"]', `p${i}@example.org`);
    await p.page.fill('textarea[name="wishlist"]', i === 3 ? FORMULA : `Books for ${name}`);
    if (i === 0) await shot(p.page, '05-join');
    await p.page.click('#join-form button[type=submit]');
    await p.page.waitForSelector('#joined:not([hidden])');
    check((await p.page.textContent('#joined')).includes('Keep this link, it is shown once'),
      'the participant is told to keep the link');
    const meUrl = await p.page.getAttribute('#me-link', 'href');
    check(fragmentParams(meUrl).get('t') && fragmentParams(meUrl).get('p') && !new URL(meUrl).search,
      'the participant link carries its secret in the fragment only');
    secretsSeen.push(fragmentParams(meUrl).get('t'));
    if (i === 0) await shot(p.page, '06-joined');
    people.push({ name, meUrl, ...p });
  }

  // -- the organizer sees them (the page, open since before the joins, is
  // refreshed by its button, not reloaded), literally; an exclusion; the draw --
  check(await org.page.locator('#participants tbody tr').count() === 0, 'the open page still lists nobody');
  await org.page.click('#participants-refresh');
  await org.page.waitForFunction(() => document.querySelectorAll('#participants tbody tr').length === 5,
    null, { timeout: 15000 }).catch(() => {});
  const rows = org.page.locator('#participants tbody tr');
  check(await rows.count() === 5, 'the organizer lists 5 participants');
  const shownNames = await org.page.$$eval('#participants td.name', (tds) => tds.map((td) => td.textContent));
  check(shownNames.includes(SCRIPT_NAME), 'the <script> name shows literally: ' + shownNames);
  check(await org.page.locator('#participants b, #participants script').count() === 0,
    'no element was made from a name');
  check((await org.page.textContent('#participants')).includes(FORMULA), 'the formula shows literally');
  await org.page.selectOption('select[name="giver"]', { label: 'Ann' });
  await org.page.selectOption('select[name="receiver"]', { label: 'Bob' });
  await org.page.click('#exclusion-form button[type=submit]');
  await org.page.waitForSelector('#exclusions li');
  check((await org.page.textContent('#exclusions')).includes('Ann must not give to Bob'), 'the exclusion is listed');
  await shot(org.page, '07-organizer');
  await org.page.click('#draw-button');
  await org.page.waitForSelector('#status.drawn');
  await org.page.waitForSelector('#draw-done:not([hidden])');
  await org.page.click('#reminders-form button[type=submit]');
  await org.page.waitForSelector('#reminders-done:not([hidden])');
  check(/^5 reminders queued/.test(await org.page.textContent('#reminders-done')), 'reminders queued for 5');
  await shot(org.page, '08-organizer-drawn');
  const orgText = await org.page.textContent('body');
  check(!orgText.includes('give a present to'), 'the organizer page shows no pair');
  check(orgBodies.length >= 5, 'the organizer page answers were recorded');
  // A pair is a recipient (GET /assignment's answer); the only "giver" the
  // organizer may see is the one of an exclusion they added themselves.
  check(orgBodies.every((b) => !b.includes('"recipient"')), 'no API answer the organizer got holds a recipient');
  check(orgBodies.filter((b) => b.includes('"giver"')).every((b) => 'mutual' in JSON.parse(b)),
    'the only givers the organizer got are those of its exclusions');
  const asAdmin = await fetch(`${server.base}/api/exchanges/${exchangeId}/assignment`,
    { headers: { Authorization: 'Bearer ' + adminSecrets.get('t') } });
  check(asAdmin.status === 403 || asAdmin.status === 401, 'the admin token reads no assignment: ' + asAdmin.status);

  // -- each participant: exactly one recipient, never themselves --
  const gives = new Map();
  for (const [i, p] of people.entries()) {
    await p.page.goto(p.meUrl);
    await ready(p.page);
    await p.page.waitForSelector('#assignment-drawn:not([hidden])');
    check(await p.page.locator('.recipient').count() === 1, `${p.name} sees exactly one recipient`);
    const giver = await p.page.textContent('#giver-name');
    const recipient = await p.page.textContent('#recipient-name');
    check(giver === p.name, `${p.name}'s page greets them by their name, literally`);
    check(NAMES.includes(recipient), `${p.name}'s recipient is a participant: ${recipient}`);
    check(recipient !== p.name, `${p.name} does not give to themselves`);
    gives.set(p.name, recipient);
    if (i === 0) await shot(p.page, '09-participant');
    if (p.name === SCRIPT_NAME) await shot(p.page, '10-participant-script-name');
  }
  check(gives.get('Ann') !== 'Bob', 'the exclusion Ann -> Bob is honoured');
  check(new Set(gives.values()).size === 5, 'everyone receives exactly once');
  for (const [a, b] of gives) check(gives.get(b) !== a, `no mutual pair (${a}, ${b}): no_mutual is honoured`);

  // -- a wishlist edit reaches the person who gives to its author --
  const bob = people.find((p) => p.name === 'Bob');
  await bob.page.fill('textarea[name="wishlist"]', 'A <i>red</i> scarf');
  await bob.page.click('#wishlist-form button[type=submit]');
  await bob.page.waitForSelector('#wishlist-saved:not([hidden])');
  const santaOfBob = people.find((p) => gives.get(p.name) === 'Bob');
  await santaOfBob.page.reload();
  await ready(santaOfBob.page);
  check(await santaOfBob.page.textContent('#recipient-wishlist') === 'A <i>red</i> scarf',
    "Bob's new wishlist reaches the person who gives to him, literally");

  // -- no script ran anywhere; the CSP blocks an injected one --
  for (const p of [org, ...people]) {
    check(await p.page.evaluate(() => window.pwned === undefined), 'the <script> in a name never ran');
  }
  const injected = await people[0].page.evaluate(async () => {
    const violations = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
    const s = document.createElement('script');
    s.append(document.createTextNode('window.pwned = 2'));
    try { document.body.append(s); } catch (e) { violations.push('threw: ' + e.name); }
    await new Promise((r) => setTimeout(r, 200));
    return { ran: window.pwned !== undefined, violations };
  });
  check(!injected.ran, 'an injected inline script does not run');
  check(injected.violations.length > 0, 'the CSP reported the blocked script: ' + JSON.stringify(injected));

  // -- undo the draw: participants are back to waiting --
  await org.page.click('#undraw-button');
  await org.page.waitForSelector('#status.open');
  await people[1].page.reload();
  await ready(people[1].page);
  await people[1].page.waitForSelector('#assignment-pending:not([hidden])');
  check(await people[1].page.locator('#assignment-drawn:not([hidden])').count() === 0, 'after undo no recipient is shown');
  await shot(people[1].page, '11-participant-waiting');

  // -- an infeasible draw names who cannot be matched --
  await org.page.goto(server.base + '/');
  await ready(org.page);
  await org.page.fill('input[name="name"]', 'Small team');
  await org.page.click('#create-form button[type=submit]');
  await org.page.waitForSelector('#created:not([hidden])');
  const admin2 = await org.page.getAttribute('#admin-link', 'href');
  const invite2 = `${server.base}/x/${new URL(admin2).pathname.split('/')[2]}/join#i=${fragmentParams(admin2).get('i')}`;
  for (const name of ['Ann', 'Bob', 'Cid']) {
    const joiner = await newPage();
    await joiner.page.goto(invite2);
    await ready(joiner.page);
    await joiner.page.fill('input[name="name"]', name);
    await joiner.page.fill('input[name="email"]', name.toLowerCase() + '@example.org');
    await joiner.page.click('#join-form button[type=submit]');
    await joiner.page.waitForSelector('#joined:not([hidden])');
    await joiner.context.close();
  }
  await org.page.goto(admin2);
  await ready(org.page);
  for (const receiver of ['Bob', 'Cid']) {
    await org.page.selectOption('select[name="giver"]', { label: 'Ann' });
    await org.page.selectOption('select[name="receiver"]', { label: receiver });
    await org.page.click('#exclusion-form button[type=submit]');
    await org.page.waitForFunction((n) => document.querySelectorAll('#exclusions li').length === n,
      receiver === 'Bob' ? 1 : 2);
  }
  await org.page.click('#draw-button');
  const drawProblem = org.page.locator('#draw-form .problem');
  await drawProblem.waitFor();
  const why = await drawProblem.textContent();
  check(/^No valid draw: .*Ann.*\.$/.test(why), 'the infeasible draw names Ann, as a sentence: ' + why);
  check(await org.page.textContent('#status') === 'open', 'the exchange stays open');
  await shot(org.page, '12-organizer-infeasible');

  // -- secrets never left the fragment --
  const onTheWire = sentUrls.map((url) => url.split('#')[0]); // browsers never send the fragment
  check(onTheWire.length > 50 && secretsSeen.length === 7, 'requests and secrets were recorded');
  const leaked = onTheWire.filter((url) => secretsSeen.some((s) => url.includes(s)));
  check(leaked.length === 0, 'secrets in requested URLs: ' + leaked.join(' '));
  check(pageErrors.length === 0, 'no uncaught error in the pages: ' + pageErrors.join('; '));
  console.log(`ui_test: ${checks} checks passed; screenshots in ${shots}`);
} catch (e) {
  failed = true;
  console.error('ui_test: FAILED after ' + checks + ' checks: ' + (e && e.stack ? e.stack : e));
  try { console.error('--- server log ---\n' + readFileSync(join(shots, 'server.log'), 'utf8')); } catch (x) { /* none */ }
} finally {
  await browser.close().catch(() => {});
}
// The server must stop cleanly on SIGTERM (under ASan: with no report).
const exit = await new Promise((resolve) => {
  server.child.once('exit', (code, signal) => resolve(signal || code));
  server.child.kill('SIGTERM');
  setTimeout(() => { server.child.kill('SIGKILL'); resolve('no exit within 30 s'); }, 30000).unref();
});
if (exit !== 0) {
  failed = true;
  console.error(`ui_test: the server ended with ${exit}:\n` + readFileSync(join(shots, 'server.log'), 'utf8'));
}
rmSync(server.data, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
