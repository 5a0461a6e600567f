// What every browser journey shares (journey.mjs: J2 → J3; j1.mjs: J1): headless Debian
// Chromium through playwright-core, steps that stop at the first blocking failure, the
// server documents seen (status and Content-Security-Policy), console errors and CSP
// violations, and `checkPage`: axe-core over the page (no serious or critical violation)
// plus a full-page screenshot of it.
//
// Environment (set by tests/browser/run.sh):
//   BB_BASE         the server, e.g. http://127.0.0.1:8017
//   BB_CHROMIUM     /usr/bin/chromium
//   BB_ARTIFACTS    the run's temporary directory: screenshots of failing pages
//   BB_SCREENSHOTS  the folder for every page's screenshot, one subfolder per journey
//                   (run.sh: $CARGO_TARGET_DIR/browser-screenshots, else target/…)
//
// axe-core is injected with `page.evaluate(source)`: the pages' enforced CSP has no
// script-src (default-src 'none'), so `page.addScriptTag` is refused by the page (and logs a
// CSP violation), while evaluation through the DevTools protocol is not subject to the
// page's CSP. The browser context keeps the CSP enforced (no `bypassCSP`), so the journeys
// still see every violation a real visitor's browser would report.
//
// Log hygiene: every journey records what it handed to the server or read from it
// (tests/loghygiene/collect.mjs into BB_SECRETS_FILE, for tests/loghygiene/check.py): the
// browser's requests (passwords and other credential fields typed into forms, codes in
// callback URLs, e-mailed link tokens in the paths they open) and responses (cookies set,
// JSON bodies), what pages show once (client secrets, TOTP keys, the test client's JSON),
// the cookies left at the end, and every request of the journey's own Node code (fetch).

import { chromium } from 'playwright-core';
import { COLLECTOR } from '../loghygiene/collect.mjs';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// --- log hygiene ------------------------------------------------------------------------------
/** Paths whose last segment is an e-mailed (or one-time) link's token. */
const LINK_TOKEN = /\/v2\/accounts\/(?:activation-verify|reset-password|credentials|organizations\/invitations)\/([^/?#]+)/;
/** Elements whose text is a secret a page shows (once), and its kind. */
const SHOWN_SECRETS = { 'client-secret': 'client_secret', 'totp-secret': 'totp_secret', 'totp-uri': 'totp_secret' };
COLLECTOR.tapFetch();

/**
 * Records, for the log-hygiene check, what a page hands to the server and reads from it
 * (observing only: nothing is changed or delayed). Also used for pages a journey opens itself.
 */
export function watchSecrets(page) {
  page.on('request', (req) => {
    COLLECTOR.request(req.url(), req.headers(), req.postData());
    const m = LINK_TOKEN.exec(new URL(req.url()).pathname);
    if (m) COLLECTOR.add('email_link_token', decodeURIComponent(m[1]));
  });
  page.on('response', async (r) => {
    try {
      const h = await r.allHeaders();
      if (h['set-cookie']) COLLECTOR.cookies(h['set-cookie'].split('\n'));
      if (/json/.test(h['content-type'] || '') && (r.status() < 300 || r.status() >= 400)) COLLECTOR.text(await r.text());
    } catch { /* the page went on; observing only */ }
  });
  page.on('load', async () => {
    try {
      const shown = await page.evaluate((ids) => ids.map((id) => document.getElementById(id)?.textContent ?? null),
        [...Object.keys(SHOWN_SECRETS), 'response-json']);
      Object.values(SHOWN_SECRETS).forEach((kind, i) => {
        let v = shown[i]?.trim();
        if (v && kind === 'totp_secret' && v.startsWith('otpauth:')) v = new URL(v).searchParams.get('secret');
        if (v) COLLECTOR.add(kind, v);
      });
      if (shown.at(-1)) COLLECTOR.text(shown.at(-1));
    } catch { /* navigated away meanwhile */ }
  });
}

/** Reads a required environment variable or exits 2 naming it. */
export function env(name, script) {
  const v = process.env[name];
  if (!v) {
    console.error(`${script}: ${name} is not set (run tests/browser/run.sh BLUEBUTTON_BINARY)`);
    process.exit(2);
  }
  return v;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_VERSION = require('axe-core/package.json').version;
/** The rule sets every page is checked against. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
/** Impacts that fail a page; moderate and minor ones are listed in the summary. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

const STEP_TIMEOUT_MS = 30_000;
const slug = (s) => s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 60).toLowerCase();

/**
 * Starts Chromium and returns the harness of one journey (`journey` names its screenshot
 * folder, e.g. `j1`). The folder is emptied first, so it holds this run's pages only.
 */
export async function openJourney(journey, { script }) {
  const BASE = env('BB_BASE', script).replace(/\/$/, '');
  const CHROMIUM = process.env.BB_CHROMIUM || '/usr/bin/chromium';
  const ARTIFACTS = env('BB_ARTIFACTS', script);
  const SHOTS = path.join(env('BB_SCREENSHOTS', script), journey);
  fs.rmSync(SHOTS, { recursive: true, force: true });
  fs.mkdirSync(SHOTS, { recursive: true });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  watchSecrets(page);

  const consoleErrors = []; // { url, text, resource } — console errors, uncaught errors, CSP violations
  const documents = []; // main-frame responses from the server: { url, status, csp }
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push({ url: page.url(), text: m.text(), resource: m.location()?.url || '' });
  });
  page.on('pageerror', (e) => consoleErrors.push({ url: page.url(), text: `uncaught: ${e.message}` }));
  page.on('response', (r) => {
    const req = r.request();
    if (!req.isNavigationRequest() || req.frame() !== page.mainFrame()) return;
    if (!r.url().startsWith(`${BASE}/`)) return;
    documents.push({ url: r.url(), status: r.status(), csp: r.headers()['content-security-policy'] });
  });

  let notes = []; // printed under the step's result line
  // E-mailed link tokens stay out of the output (they are single-use, but still secrets).
  const redact = (msg) => String(msg).replace(/(\/(?:activation-verify|reset-password)\/)[A-Za-z0-9]+/g, '$1…');
  const note = (msg) => notes.push(redact(msg));

  /** The last main-frame server response for `pathPrefix` (not a redirect); asserts its CSP. */
  function assertCsp(pathPrefix) {
    const doc = [...documents].reverse().find((d) => new URL(d.url).pathname.startsWith(pathPrefix)
      && (d.status < 300 || d.status >= 400));
    assert.ok(doc, `no document response for ${pathPrefix} was seen`);
    assert.ok(doc.csp && doc.csp.includes("default-src 'none'"),
      `${doc.url} (${doc.status}): Content-Security-Policy is ${JSON.stringify(doc.csp)}, not containing "default-src 'none'"`);
    return doc;
  }

  let consoleMark = 0;
  /**
   * Console errors (script errors, CSP violations, failed loads) since the last call. A
   * main-frame document answered with 4xx is logged by Chromium as "Failed to load resource"
   * too: that is a status (each step checks the statuses it expects), not a page error, so
   * it is listed but not counted. Every other entry fails the check.
   */
  function assertNoConsoleErrors(what) {
    const fresh = consoleErrors.slice(consoleMark);
    consoleMark = consoleErrors.length;
    const isDocumentStatus = (e) => /^Failed to load resource: the server responded with a status of 4\d\d/.test(e.text)
      && documents.some((d) => d.url === e.resource && d.status >= 400 && d.status < 500);
    for (const e of fresh.filter(isDocumentStatus)) note(`page status, not counted: ${e.resource}: ${e.text}`);
    const errors = fresh.filter((e) => !isDocumentStatus(e));
    assert.deepEqual(errors, [], `${what}: console errors / CSP violations:\n${errors.map((e) => `  on ${e.url}: ${e.text}${e.resource ? ` [${e.resource}]` : ''}`).join('\n')}`);
  }

  const text = async (selector) => (await page.locator(selector).innerText()).replace(/\s+/g, ' ').trim();
  async function expectPath(re, what) {
    await page.waitForLoadState('load');
    const u = new URL(page.url());
    assert.match(u.pathname + u.search, re, `${what}: the browser is on ${page.url()}`);
    return u;
  }
  /** Clicks what submits a form (or follows a link) and waits for the next page's load event. */
  async function clickAndLoad(selector) {
    const loaded = page.waitForEvent('load');
    await page.locator(selector).first().click();
    await loaded;
  }

  // --- accessibility and screenshots --------------------------------------------------------
  let pageNo = 0;
  const checked = []; // { name, url, file, minor: [{ id, impact, nodes }] }
  /**
   * Runs axe-core on the page the browser shows (AXE_TAGS), saves a full-page screenshot
   * as BB_SCREENSHOTS/<journey>/<nn>-<name>.png, and fails on any serious or critical
   * violation (printing rule, help, impact and the elements' selectors). Moderate and minor
   * ones are kept for the summary.
   */
  async function checkPage(name) {
    await page.waitForLoadState('load');
    const file = path.join(SHOTS, `${String(++pageNo).padStart(2, '0')}-${slug(name)}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.map(String).join(' '), summary: n.failureSummary || '' })),
      }));
    }, AXE_TAGS);
    const failing = result.filter((v) => FAILING_IMPACTS.has(v.impact));
    const minor = result.filter((v) => !FAILING_IMPACTS.has(v.impact));
    checked.push({ name, url: page.url(), file, minor });
    note(`axe: ${failing.length} serious/critical, ${minor.length} moderate/minor; screenshot ${path.basename(file)}`);
    const describe = (vs) => vs.map((v) => `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${v.nodes
      .map((n) => `      at ${n.target}${n.summary ? `\n        ${n.summary.replace(/\n/g, '\n        ')}` : ''}`).join('\n')}`).join('\n');
    assert.equal(failing.length, 0, `axe-core on ${redact(page.url())} (${name}): serious or critical violations:\n${describe(failing)}`);
  }

  /**
   * What axe cannot see, by keyboard: the first Tab reaches the skip link, which is then
   * on screen and outlined; the next `tabs` stops (the header's links and buttons, then the
   * page's) each show a focus outline of 2px or more; Enter on the skip link goes to
   * `#main`, and the Tab after it lands inside `<main>`. Leaves the page at its top again.
   */
  async function checkKeyboard(tabs = 8) {
    const focused = () => page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return {
        what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`,
        outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
        visible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
        onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.left < window.innerWidth,
        inMain: !!el.closest('main'),
      };
    });
    // Focus on <body> (made focusable for a moment) puts the start of sequential focus
    // navigation at the top of the document, as a fresh load does; blur() would not.
    const toTop = () => page.evaluate(() => {
      const b = document.body;
      b.setAttribute('tabindex', '-1');
      b.focus();
      b.removeAttribute('tabindex');
      window.scrollTo(0, 0);
    });
    const url = page.url();
    await toTop();
    await page.keyboard.press('Tab');
    const skip = await focused();
    assert.ok(skip && /\.skip-link/.test(skip.what), `the first Tab reaches the skip link, not ${JSON.stringify(skip)}`);
    assert.ok(skip.onScreen, 'the focused skip link is on screen');
    assert.ok(skip.visible, `the skip link shows its focus (outline ${skip.outline})`);
    const seen = [];
    for (let i = 0; i < tabs; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      if (!f) break;
      seen.push(f.what);
      assert.ok(f.visible, `${f.what} shows its focus (outline ${f.outline})`);
    }
    await toTop();
    await page.keyboard.press('Tab');
    assert.match((await focused())?.what || '', /\.skip-link/, 'Tab from the top reaches the skip link again');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.hash === '#main', { timeout: 5000 })
      .catch(() => assert.fail(`Enter on the skip link goes to #main (the page is ${page.url()})`));
    assert.equal(await page.locator('main#main').count(), 1, 'the page has <main id="main">');
    await page.keyboard.press('Tab');
    const first = await focused();
    assert.ok(first?.inMain, `after the skip link, Tab goes into <main>, not to ${JSON.stringify(first)}`);
    note(`keyboard: skip link (to ${first.what} in main), outlined: ${seen.join(', ')}`);
    // Back to the page as loaded (the hash is the only change).
    if (page.url() !== url) await page.goBack({ waitUntil: 'load' }).catch(() => {});
    await toTop();
  }

  /** Full-page screenshot into the run's temporary directory (failing pages). */
  let failNo = 0;
  async function failShot(label) {
    const file = path.join(ARTIFACTS, `${journey}-FAIL-${String(++failNo).padStart(2, '0')}-${slug(label)}.png`);
    try { await page.screenshot({ path: file, fullPage: true }); return file; } catch { return null; }
  }

  // --- steps ----------------------------------------------------------------------------------
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let stopped = false;
  /**
   * Runs one step. A failing step stops the steps after it (they build on it), unless it is
   * a check nothing builds on (`{ blocking: false }`).
   */
  async function step(name, fn, { blocking = true } = {}) {
    if (stopped) { skipped++; console.log(`skip - ${name} (an earlier step failed)`); return; }
    notes = [];
    try {
      await fn();
      passed++;
      console.log(`ok - ${name}`);
      for (const n of notes) console.log(`    (${n})`);
    } catch (e) {
      failed++;
      if (blocking) stopped = true;
      console.log(`not ok - ${name}`);
      for (const n of notes) console.log(`    (${n})`);
      for (const line of redact(e?.stack || e).split('\n').slice(0, 40)) console.log(`    ${line}`);
      const last = documents[documents.length - 1];
      console.log(`    page: ${redact(page.url())}`);
      if (last) console.log(`    last server document: ${last.status} ${redact(last.url)}`);
      try {
        const body = (await page.locator('body').innerText({ timeout: 2000 })).replace(/\s+/g, ' ').trim();
        console.log(`    page text: ${body.slice(0, 600)}`);
      } catch { /* no page */ }
      const file = await failShot(name);
      if (file) console.log(`    screenshot: ${file}`);
    }
  }

  /** Closes the browser, prints the accessibility summary and the closing line; the exit code. */
  async function finish() {
    await context.cookies().then((cs) => COLLECTOR.cookies(cs)).catch(() => {});
    await browser.close().catch(() => {});
    const minorCount = checked.reduce((n, c) => n + c.minor.length, 0);
    console.log(`accessibility (${journey}): axe-core ${AXE_VERSION}, tags ${AXE_TAGS.join(' ')}: ${checked.length} pages checked, no serious or critical violation allowed; ${minorCount} moderate/minor`);
    for (const c of checked) {
      for (const v of c.minor) {
        console.log(`    [${v.impact}] ${v.id} on ${c.name} (${redact(new URL(c.url).pathname)}): ${v.help}; ${v.nodes.map((n) => n.target).join(', ')}`);
      }
    }
    console.log(`screenshots (${journey}): ${pageNo} pages in ${SHOTS}`);
    console.log(`${journey}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    return failed === 0 && passed > 0 ? 0 : 1;
  }

  return {
    BASE, browser, context, page, documents, consoleErrors, note, step, finish,
    assertCsp, assertNoConsoleErrors, text, expectPath, clickAndLoad, checkPage, checkKeyboard,
  };
}
