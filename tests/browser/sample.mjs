// Browser journey of the sample app (crates/sample-app, on the Rust SDK) against a running
// bluebutton server, in headless Debian Chromium driven by playwright-core. Started by
// tests/browser/run.sh, which starts `bb-sample-app` with the app "Sample Claims Viewer"
// (redirect URI BB_SAMPLE_APP/callback) and passes:
//   BB_BASE          the server, e.g. http://127.0.0.1:8017
//   BB_SAMPLE_APP    the sample app, e.g. http://127.0.0.1:8123
//   BB_CHROMIUM, BB_ARTIFACTS, BB_SCREENSHOTS   see harness.mjs
//
// The enrollee reads the privacy notice, selects Connect, signs in to the sandbox as
// BBUser00003, allows, and sees the claims table, totals per year and the SVG chart; the
// server's connected-apps page lists the app; Disconnect revokes it, and the connected-apps
// page then lists no app. axe-core checks every page (checkPage) and a screenshot of each is
// saved under BB_SCREENSHOTS/sample/.

import assert from 'node:assert/strict';
import { env as required, openJourney } from './harness.mjs';

const env = (name) => required(name, 'sample.mjs');
const BASE = env('BB_BASE').replace(/\/$/, '');
const APP = env('BB_SAMPLE_APP').replace(/\/$/, '');
const APP_NAME = 'Sample Claims Viewer';
const USER = 'BBUser00003';
const PASSWORD = 'PW00003!';

const {
  page, note, step, finish, assertNoConsoleErrors, text, expectPath, clickAndLoad, checkPage,
} = await openJourney('sample', { script: 'sample.mjs' });

const money = (s) => Number(s.replace(/[$,]/g, ''));

async function signIn() {
  await page.locator('#username-textbox').fill(USER);
  await page.locator('#password-textbox').fill(PASSWORD);
  await clickAndLoad('#login-button');
}

await step('sample: the start page shows the privacy notice before any connection', async () => {
  await page.goto(`${APP}/`);
  await expectPath(/^\/$/, 'the start page');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await text('h1'), 'See your Medicare claims');
  assert.equal(await text('#privacy-heading'), 'Before you connect: how this app uses your data');
  const items = await page.locator('#privacy li').allInnerTexts();
  assert.ok(items.length >= 4, `the notice has its points (${items.length})`);
  assert.ok(items.some((i) => /does not sell/.test(i)), 'the notice says the data is not sold');
  assert.ok(items.some((i) => /Disconnect/.test(i)), 'the notice says how to disconnect');
  assert.equal(await text('#connect'), 'Connect to Medicare');
  await checkPage('sample start page with the privacy notice');
});

await step('sample: Connect sends the browser to the sandbox login with PKCE S256', async () => {
  await clickAndLoad('#connect');
  await expectPath(/^\/mymedicare\/login\?/, 'after Connect');
  assert.equal(new URL(page.url()).origin, BASE, 'on the server');
  await checkPage('sample sandbox login');
});

await step('sample: signing in as BBUser00003 shows the consent page naming the app', async () => {
  await signIn();
  await expectPath(/^\/v2\/o\/authorize\/[0-9a-f-]{36}\/(\?|$)/, 'after signing in');
  assert.equal(await text('#consent-heading'), `Do you want to share your Medicare data with ${APP_NAME}?`);
  await checkPage('sample consent');
});

let claimCount = 0;
await step('sample: Allow → the app shows the enrollee, a claims table, totals per year and the chart', async () => {
  await clickAndLoad('#approve');
  await expectPath(/^\/claims$/, 'after Allow');
  assert.equal(new URL(page.url()).origin, APP, 'back on the sample app');
  assert.equal(await text('h1'), 'Your Medicare claims');
  assert.match(await text('#who'), /^Connected as .+, born \d{4}-\d{2}-\d{2}\.$/);
  const summary = await text('#summary');
  const m = summary.match(/^(\d+) claims; Medicare paid (\$[\d,]+\.\d\d) in all\.$/);
  assert.ok(m, `summary: ${summary}`);
  claimCount = Number(m[1]);
  assert.ok(claimCount > 0, `BBUser00003 has claims (${claimCount})`);
  assert.equal(await page.locator('#claims tbody tr.claim').count(), claimCount, 'one row per claim, every page read');
  const years = await page.locator('#totals tbody tr').count();
  assert.ok(years >= 1, 'totals for at least one year');
  const perYear = await page.locator('#totals tbody tr').evaluateAll((rows) => rows.map((r) => ({
    year: r.querySelector('th').innerText.trim(),
    count: Number(r.querySelectorAll('td')[0].innerText),
    paid: r.querySelectorAll('td')[1].innerText.trim(),
  })));
  assert.equal(perYear.reduce((a, r) => a + r.count, 0), claimCount, 'the years add up to every claim');
  const total = perYear.reduce((a, r) => a + money(r.paid), 0);
  assert.ok(Math.abs(total - money(m[2])) < 0.01 * years + 0.001, `the years' amounts add up to ${m[2]} (${total})`);
  assert.equal(await page.locator('svg#chart rect.bar').count(), years, 'one bar per year');
  assert.equal(await page.locator('svg#chart title').first().textContent(), 'Paid by Medicare per year');
  assert.equal(await page.locator('script').count(), 0, 'no JavaScript on the page');
  assert.ok(await page.locator('#coverage li').count() >= 1, 'the coverage is listed');
  note(`${claimCount} claims over ${years} years: ${perYear.map((r) => `${r.year} ${r.count} ${r.paid}`).join('; ')}`);
  await checkPage('sample claims table totals and chart');
});

await step('sample: the server\'s connected-apps page lists the sample app', async () => {
  await page.goto(`${BASE}/mymedicare/connected-apps`);
  if (/^\/mymedicare\/login/.test(new URL(page.url()).pathname)) await signIn();
  await expectPath(/^\/mymedicare\/connected-apps/, 'connected apps');
  const names = (await page.locator('li.app .app-name').allInnerTexts()).map((s) => s.trim());
  assert.deepEqual(names, [APP_NAME]);
});

await step('sample: Disconnect revokes the authorization and the app forgets the data', async () => {
  await page.goto(`${APP}/claims`);
  await expectPath(/^\/claims$/, 'the claims page again (the session is kept)');
  await clickAndLoad('#disconnect');
  await expectPath(/^\/\?disconnected$/, 'after Disconnect');
  assert.match(await text('#notice'), /^Disconnected\. This app can no longer see your Medicare data/);
  await checkPage('sample disconnected');
  await page.goto(`${APP}/claims`);
  await expectPath(/^\/$/, 'the claims page is gone after disconnecting');
});

await step('sample: the server\'s connected-apps page lists no app any more', async () => {
  await page.goto(`${BASE}/mymedicare/connected-apps`);
  if (/^\/mymedicare\/login/.test(new URL(page.url()).pathname)) await signIn();
  await expectPath(/^\/mymedicare\/connected-apps/, 'connected apps');
  assert.equal(await page.locator('li.app').count(), 0, 'no connected app');
  assert.ok(await page.locator('#no-apps').isVisible(), '#no-apps is shown');
});

await step('sample: no console errors or CSP violations on the way', async () => {
  assertNoConsoleErrors('sample');
}, { blocking: false });
process.exit(await finish());
