// Browser journey J2 → J3 against a running bluebutton server, in headless Debian Chromium
// driven by playwright-core. Started by tests/browser/run.sh, which passes:
//   BB_BASE           the server, e.g. http://127.0.0.1:8017
//   BB_APP_PORT       the port this script's own client app listens on (loopback)
//   BB_CLIENT_ID / BB_CLIENT_SECRET   the app "E2E Health App" (redirect URI
//                     http://127.0.0.1:BB_APP_PORT/callback), owned by organization "E2E Org"
//   BB_CHROMIUM, BB_ARTIFACTS, BB_SCREENSHOTS   see harness.mjs
//
// The script plays the client app itself (node:http): GET /start[?lang=es] builds the
// authorize URL (PKCE S256, a 32-character state) and redirects the browser there; GET
// /callback checks the state, exchanges the code at POST /v2/o/token/ (client id and secret
// in the body, code_verifier), reads /v2/fhir/ExplanationOfBenefit/ and the Patient with the
// token and renders "Claims: <total>", the patient id, the granted scope and the statuses,
// so the browser ends on a real app page.
//
// Every page the browser shows, the server's (English and Spanish) and the app's, goes
// through `checkPage` (harness.mjs): axe-core finds no serious or critical violation, and a
// screenshot is saved as BB_SCREENSHOTS/j2-j3/<nn>-<name>.png.
//
// Steps run in order; the first failure stops the rest (they depend on it). Prints one
// `ok - ` / `not ok - ` line per step and `j2-j3: N passed, N failed` at the end; exits 1
// when a step failed.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { env as required, openJourney } from './harness.mjs';

const env = (name) => required(name, 'journey.mjs');
const BASE = env('BB_BASE').replace(/\/$/, '');
const APP_PORT = Number(env('BB_APP_PORT'));
const CLIENT_ID = env('BB_CLIENT_ID');
const CLIENT_SECRET = env('BB_CLIENT_SECRET');

const APP = `http://127.0.0.1:${APP_PORT}`;
const CALLBACK = `${APP}/callback`;
const APP_NAME = 'E2E Health App';
const ORG = 'E2E Org';
const USER = 'BBUser00001';
const PASSWORD = 'PW00001!';

// --- words the pages must show (crates/web/src/pages/strings/{en,es}.rs) --------------------
const T = {
  en: {
    months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
      'September', 'October', 'November', 'December'],
    date: ({ y, m, d }, t) => `${t.months[m]} ${d}, ${y}`,
    loginHeading: `Sign in to share your Medicare data with ${APP_NAME}`,
    usernameLabel: 'User name',
    passwordLabel: 'Password',
    loginButton: 'Sign in',
    badCredentials: 'The user name or password is not correct. Please try again.',
    consentHeading: `Do you want to share your Medicare data with ${APP_NAME}?`,
    madeBy: `Made by ${ORG}`,
    whatHeading: `What ${APP_NAME} will see`,
    access: (date) => `${APP_NAME} can see this information for 13 months, until ${date}.`,
    demographicsLabel: 'Personal information: name, address, date of birth, race, sex',
    approve: 'Allow',
    deny: 'Deny',
    appsTitle: 'Your connected apps',
    colOrganization: 'Made by',
    colSince: 'Since',
    colUntil: 'How long',
    colSees: 'What it can see',
    until: (date) => `until ${date}`,
    seesClaims: 'Claims: doctor visits, hospital stays, prescriptions, coverage',
    seesDemographics: 'Personal information: name, address, date of birth, race, sex',
    revoke: 'Revoke',
    readsHeading: 'Who read my data',
    whatEob: 'Claims',
    whatPatient: 'Personal information',
    revokedNotice: `${APP_NAME} can no longer see your Medicare data.`,
    noApps: 'No apps can see your Medicare data.',
  },
  es: {
    months: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto',
      'septiembre', 'octubre', 'noviembre', 'diciembre'],
    date: ({ y, m, d }, t) => `${d} de ${t.months[m]} de ${y}`,
    loginHeading: `Inicie sesión para compartir sus datos de Medicare con ${APP_NAME}`,
    usernameLabel: 'Nombre de usuario',
    passwordLabel: 'Contraseña',
    loginButton: 'Iniciar sesión',
    consentHeading: `¿Desea compartir sus datos de Medicare con ${APP_NAME}?`,
    madeBy: `Creada por ${ORG}`,
    whatHeading: `Lo que ${APP_NAME} podrá ver`,
    access: (date) => `${APP_NAME} podrá ver esta información por 13 meses, hasta el ${date}.`,
    demographicsLabel: 'Información personal: nombre, dirección, fecha de nacimiento, raza, sexo',
    approve: 'Permitir',
    deny: 'No permitir',
    appsTitle: 'Sus aplicaciones conectadas',
    colOrganization: 'Creada por',
    colSince: 'Desde',
    colUntil: 'Por cuánto tiempo',
    colSees: 'Lo que puede ver',
    until: (date) => `hasta el ${date}`,
    seesClaims: 'Reclamaciones: visitas al médico, estadías en el hospital, recetas, cobertura',
    revoke: 'Retirar permiso',
    readsHeading: 'Quién leyó mis datos',
    whatEob: 'Reclamaciones',
    noApps: 'Ninguna aplicación puede ver sus datos de Medicare.',
  },
};

/** Today in UTC, and 13 calendar months later (clamped to the month's last day, as chrono). */
function dates() {
  const now = new Date();
  const today = { y: now.getUTCFullYear(), m: now.getUTCMonth(), d: now.getUTCDate() };
  const months = today.m + 13;
  const y = today.y + Math.floor(months / 12);
  const m = months % 12;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return { today, end: { y, m, d: Math.min(today.d, last) } };
}
const iso = ({ y, m, d }) => `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

// --- the client app (this process, node:http on loopback) -----------------------------------
const b64url = (buf) => buf.toString('base64url');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pending = new Map(); // state → { verifier, lang }
const callbacks = []; // what each /callback saw, newest last

async function fhir(pathAndQuery, token) {
  const r = await fetch(`${BASE}${pathAndQuery}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json' },
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

async function tokenRequest(fields) {
  const r = await fetch(`${BASE}/v2/o/token/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ ...fields, client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

function appPage(title, rows, status = 200) {
  const body = rows.map(([id, text]) => `<p id="${id}">${esc(text)}</p>`).join('\n');
  return {
    status,
    html: `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} | ${APP_NAME}</title></head>
<body><main><h1 id="app-heading">${APP_NAME}</h1><h2>${esc(title)}</h2>
${body}
</main></body></html>`,
  };
}

async function handleCallback(url) {
  const q = url.searchParams;
  const state = q.get('state') || '';
  const seen = { query: Object.fromEntries(q), stateOk: pending.has(state) };
  callbacks.push(seen);
  const flow = pending.get(state);
  pending.delete(state);
  if (!flow) return appPage('Unknown state', [['error', `state not issued by this app: ${state}`]], 400);
  if (q.get('error')) {
    return appPage('Not connected', [
      ['error', q.get('error')],
      ['state-ok', 'State matches'],
    ]);
  }
  const token = await tokenRequest({
    grant_type: 'authorization_code',
    code: q.get('code') || '',
    redirect_uri: CALLBACK,
    code_verifier: flow.verifier,
  });
  seen.token = token;
  if (token.status !== 200 || !token.json?.access_token) {
    return appPage('Token exchange failed', [['error', `token ${token.status}: ${token.text.slice(0, 500)}`]], 502);
  }
  const { access_token: access, patient, scope } = token.json;
  const eob = await fhir('/v2/fhir/ExplanationOfBenefit/', access);
  const pat = await fhir(`/v2/fhir/Patient/${encodeURIComponent(patient)}`, access);
  seen.eob = { status: eob.status, total: eob.json?.total };
  seen.patientStatus = pat.status;
  return appPage('Connected to Medicare', [
    ['state-ok', 'State matches'],
    ['claims', eob.status === 200 ? `Claims: ${eob.json?.total}` : `Claims: error ${eob.status}`],
    ['patient', `Patient: ${patient}`],
    ['scope', `Scope: ${scope}`],
    ['eob-status', `ExplanationOfBenefit read: ${eob.status}`],
    ['patient-status', `Patient read: ${pat.status}`],
  ]);
}

const appServer = http.createServer(async (req, res) => {
  const url = new URL(req.url, APP);
  let page;
  try {
    if (url.pathname === '/start') {
      const verifier = b64url(crypto.randomBytes(32)); // 43 characters
      const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
      const state = b64url(crypto.randomBytes(24)); // 32 characters
      const lang = url.searchParams.get('lang');
      pending.set(state, { verifier, lang });
      const params = new URLSearchParams({
        client_id: CLIENT_ID,
        redirect_uri: CALLBACK,
        response_type: 'code',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      if (lang) params.set('lang', lang);
      res.writeHead(302, { Location: `${BASE}/v2/o/authorize/?${params}` });
      res.end();
      return;
    }
    if (url.pathname === '/callback') page = await handleCallback(url);
    else if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    else page = appPage('Not found', [['error', url.pathname]], 404);
  } catch (e) {
    page = appPage('App error', [['error', String(e?.stack || e)]], 500);
  }
  res.writeHead(page.status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(page.html);
});

// --- the browser (tests/browser/harness.mjs) ---------------------------------------------------
const {
  page, documents, note, step, finish, assertCsp, assertNoConsoleErrors, text, expectPath, clickAndLoad, checkPage, checkKeyboard,
} = await openJourney('j2-j3', { script: 'journey.mjs' });
let serverPageCount = 0;

await new Promise((resolve, reject) => {
  appServer.once('error', reject);
  appServer.listen(APP_PORT, '127.0.0.1', resolve);
});

const { today, end } = dates();
const tokens = {}; // which token each authorization got

/** Signs in on the flow's login page, which the browser is on. */
async function signIn(user, password) {
  await page.locator('#username-textbox').fill(user);
  await page.locator('#password-textbox').fill(password);
  await clickAndLoad('#login-button');
}

try {
  // ---- J2, English --------------------------------------------------------------------------
  await step('J2 en: the app starts authorization and the browser lands on the sandbox login page', async () => {
    await page.goto(`${APP}/start`);
    const u = await expectPath(/^\/mymedicare\/login\?/, 'after GET /v2/o/authorize');
    assert.match(u.searchParams.get('flow') || '', /^[0-9a-f-]{36}$/, 'login URL has flow=<uuid>');
    const auth = documents.find((d) => new URL(d.url).pathname.startsWith('/v2/o/authorize'));
    assert.ok(auth, 'the browser went through /v2/o/authorize');
    const authUrl = new URL(auth.url);
    assert.equal(authUrl.searchParams.get('state').length, 32, 'state has 32 characters');
    assert.equal(authUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(auth.status, 302, `GET ${auth.url} answered ${auth.status}`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    for (const id of ['#username-textbox', '#password-textbox', '#login-button']) {
      assert.ok(await page.locator(id).isVisible(), `${id} is visible`);
    }
    assert.equal(await page.locator('#password-textbox').getAttribute('type'), 'password');
    assert.equal(await text('h1'), T.en.loginHeading);
    assert.equal(await text('label[for=username-textbox]'), T.en.usernameLabel);
    assert.equal(await text('label[for=password-textbox]'), T.en.passwordLabel);
    assert.equal(await text('#login-button'), T.en.loginButton);
    assertCsp('/mymedicare/login');
    await checkPage('J2 en sandbox login');
    await checkKeyboard();
  });

  await step('J2 en: a wrong password shows the error on the login page', async () => {
    await signIn(USER, 'not-the-password');
    await expectPath(/^\/mymedicare\/login/, 'after a wrong password');
    assert.ok(await page.locator('#login-error').isVisible(), '#login-error is visible');
    assert.equal(await text('#login-error'), T.en.badCredentials);
    assert.equal(await page.locator('#username-textbox').inputValue(), USER, 'the user name is kept');
    assert.equal(await page.locator('#password-textbox').inputValue(), '', 'the password is not echoed');
    const doc = assertCsp('/mymedicare/login');
    note(`the wrong-password page answered HTTP ${doc.status}`);
    await checkPage('J2 en sandbox login, wrong password');
  });

  await step('J2 en: signing in as BBUser00001 shows the consent page (app, organization, 13 months, demographics box checked)', async () => {
    await signIn(USER, PASSWORD);
    await expectPath(/^\/v2\/o\/authorize\/[0-9a-f-]{36}\/(\?|$)/, 'after signing in');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await text('#consent-heading'), T.en.consentHeading);
    assert.equal(await text('#made-by'), T.en.madeBy);
    assert.equal(await text('#what-heading'), T.en.whatHeading);
    assert.ok(await page.locator('#claims-item').isVisible(), 'the claims item is listed');
    assert.equal(await text('#access-period'), T.en.access(T.en.date(end, T.en)));
    const box = page.locator('input[type=checkbox][name=share_demographic_scopes]');
    assert.equal(await box.count(), 1, 'one share_demographic_scopes checkbox');
    assert.ok(await box.isChecked(), 'share_demographic_scopes is checked');
    assert.equal(await text('label[for=share_demographic_scopes]'), T.en.demographicsLabel);
    assert.equal(await text('#approve'), T.en.approve);
    assert.equal(await text('#deny'), T.en.deny);
    assertCsp('/v2/o/authorize/');
    await checkPage('J2 en consent');
    await checkKeyboard();
  });

  await step('J2 en: Allow → the app page shows the claims total and the patient id', async () => {
    await clickAndLoad('#approve');
    await expectPath(/^\/callback\?/, 'after Allow');
    assert.equal(new URL(page.url()).origin, APP, 'the browser is back on the app');
    const cb = callbacks[callbacks.length - 1];
    assert.ok(cb?.stateOk, `the app got its own state back: ${JSON.stringify(cb?.query)}`);
    assert.equal(await text('#state-ok'), 'State matches', await text('body'));
    assert.equal(cb.token?.status, 200, `token exchange: ${cb.token?.status} ${cb.token?.text}`);
    tokens.en = cb.token.json;
    assert.match(await text('#claims'), /^Claims: \d+$/);
    const total = Number((await text('#claims')).split(': ')[1]);
    assert.ok(total > 0, `BBUser00001 has claims (total ${total})`);
    assert.equal(await text('#patient'), `Patient: ${tokens.en.patient}`);
    assert.ok(tokens.en.patient, 'the token response names the patient');
    assert.ok(tokens.en.scope.split(' ').some((s) => s.startsWith('patient/Patient.')), `scope ${tokens.en.scope} has patient/Patient`);
    assert.equal(await text('#patient-status'), 'Patient read: 200');
    note(`claims ${total}, patient ${tokens.en.patient}, scope "${tokens.en.scope}"`);
    await checkPage('J2 en the app shows the data');
  });

  await step('J2 en: no console errors or CSP violations on the way', async () => {
    assertNoConsoleErrors('J2 en');
  }, { blocking: false });

  // ---- J2, Spanish --------------------------------------------------------------------------
  await step('J2 es: authorize with lang=es → the login page is in Spanish (html[lang=es])', async () => {
    await page.goto(`${APP}/start?lang=es`);
    await expectPath(/^\/mymedicare\/login\?/, 'after GET /v2/o/authorize?…&lang=es');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    assert.equal(await page.locator('html[lang=es]').count(), 1);
    assert.equal(await text('h1'), T.es.loginHeading);
    assert.equal(await text('label[for=username-textbox]'), T.es.usernameLabel);
    assert.equal(await text('label[for=password-textbox]'), T.es.passwordLabel);
    assert.equal(await text('#login-button'), T.es.loginButton);
    assertCsp('/mymedicare/login');
    await checkPage('J2 es sandbox login');
  });

  await step('J2 es: signing in shows the consent page in Spanish', async () => {
    await signIn(USER, PASSWORD);
    await expectPath(/^\/v2\/o\/authorize\/[0-9a-f-]{36}\/(\?|$)/, 'after signing in');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    assert.equal(await text('#consent-heading'), T.es.consentHeading);
    assert.equal(await text('#made-by'), T.es.madeBy);
    assert.equal(await text('#what-heading'), T.es.whatHeading);
    assert.equal(await text('#access-period'), T.es.access(T.es.date(end, T.es)));
    assert.equal(await text('label[for=share_demographic_scopes]'), T.es.demographicsLabel);
    assert.ok(await page.locator('#share_demographic_scopes').isChecked(), 'the box starts checked');
    assert.equal(await text('#approve'), T.es.approve);
    assert.equal(await text('#deny'), T.es.deny);
    assertCsp('/v2/o/authorize/');
    await checkPage('J2 es consent');
  });

  await step('J2 es: unchecking personal information and allowing → no patient/Patient scope, Patient read 403', async () => {
    await page.locator('#share_demographic_scopes').uncheck();
    assert.equal(await page.locator('#share_demographic_scopes').isChecked(), false);
    await clickAndLoad('#approve');
    await expectPath(/^\/callback\?/, 'after Permitir');
    const cb = callbacks[callbacks.length - 1];
    assert.ok(cb?.stateOk, `the app got its own state back: ${JSON.stringify(cb?.query)}`);
    assert.equal(cb.token?.status, 200, `token exchange: ${cb.token?.status} ${cb.token?.text}`);
    tokens.es = cb.token.json;
    const scope = (await text('#scope')).replace(/^Scope: /, '');
    assert.equal(scope, tokens.es.scope);
    assert.ok(!scope.split(' ').some((s) => s.startsWith('patient/Patient.')), `scope "${scope}" lacks patient/Patient`);
    assert.ok(!scope.split(' ').includes('profile'), `scope "${scope}" lacks profile`);
    assert.ok(scope.split(' ').some((s) => s.startsWith('patient/ExplanationOfBenefit.')), `scope "${scope}" keeps the claims`);
    assert.equal(await text('#patient-status'), 'Patient read: 403');
    assert.equal(await text('#eob-status'), 'ExplanationOfBenefit read: 200');
    assert.match(await text('#claims'), /^Claims: [1-9]\d*$/);
    note(`scope "${scope}"`);
    await checkPage('J2 es the app shows the claims');
  });

  await step('J2 es: the new consent revoked the English authorization\'s token (FHIR 401)', async () => {
    const r = await fhir('/v2/fhir/ExplanationOfBenefit/', tokens.en.access_token);
    assert.equal(r.status, 401, `earlier token on ExplanationOfBenefit: ${r.status} ${r.text.slice(0, 200)}`);
    const now = await fhir('/v2/fhir/ExplanationOfBenefit/', tokens.es.access_token);
    assert.equal(now.status, 200, `current token: ${now.status}`);
  });

  await step('J2 es: no console errors or CSP violations on the way', async () => {
    assertNoConsoleErrors('J2 es');
  }, { blocking: false });

  // ---- J2, deny -----------------------------------------------------------------------------
  await step('J2 deny: a third authorization, Deny → the app gets error=access_denied', async () => {
    await page.goto(`${APP}/start`);
    await expectPath(/^\/mymedicare\/login\?/, 'after GET /v2/o/authorize');
    await signIn(USER, PASSWORD);
    await expectPath(/^\/v2\/o\/authorize\/[0-9a-f-]{36}\//, 'after signing in');
    assert.equal(await text('#consent-heading'), T.en.consentHeading);
    await clickAndLoad('#deny');
    await expectPath(/^\/callback\?/, 'after Deny');
    const cb = callbacks[callbacks.length - 1];
    assert.ok(cb?.stateOk, `the app got its own state back: ${JSON.stringify(cb?.query)}`);
    assert.equal(cb.query.error, 'access_denied');
    assert.equal(cb.query.code, undefined, 'no code on a denial');
    assert.equal(await text('#error'), 'access_denied');
    await checkPage('J2 deny the app says not connected');
  });

  await step('J2 deny: no console errors or CSP violations on the way', async () => {
    assertNoConsoleErrors('J2 deny');
  }, { blocking: false });

  // ---- an error page, in both languages ------------------------------------------------------
  await step('J2 error: authorize with an unknown client_id shows the error page (English and Spanish)', async () => {
    for (const [lang, heading] of [['en', "We don't know this app"], ['es', 'No conocemos esta aplicación']]) {
      const q = new URLSearchParams({ client_id: 'no-such-client', redirect_uri: CALLBACK, response_type: 'code', state: 'x'.repeat(32), lang });
      await page.goto(`${BASE}/v2/o/authorize/?${q}`);
      assert.equal(documents[documents.length - 1]?.status, 400, 'the error page answers 400');
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(await text('#error-heading'), heading);
      assertCsp('/v2/o/authorize/');
      await checkPage(`J2 ${lang} error page, unknown app`);
    }
    assertNoConsoleErrors('the error pages');
  });

  // ---- J3 -----------------------------------------------------------------------------------
  let grantId;
  await step('J3: /mymedicare/connected-apps without a session redirects to the sign-in page', async () => {
    await page.goto(`${BASE}/mymedicare/connected-apps`);
    const u = await expectPath(/^\/mymedicare\/login/, 'GET /mymedicare/connected-apps');
    assert.equal(u.searchParams.get('flow'), null, 'no authorization flow');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    for (const id of ['#username-textbox', '#password-textbox', '#login-button']) {
      assert.ok(await page.locator(id).isVisible(), `${id} is visible`);
    }
    assertCsp('/mymedicare/login');
    await checkPage('J3 sign in for connected apps');
  });

  await step('J3: signing in lists E2E Health App: organization, since, until, what it can see', async () => {
    await signIn(USER, PASSWORD);
    await expectPath(/^\/mymedicare\/connected-apps/, 'after signing in');
    assert.equal(await text('h1'), T.en.appsTitle);
    const apps = page.locator('li.app');
    assert.equal(await apps.count(), 1, 'one connected app');
    const app = apps.first();
    assert.equal((await app.locator('.app-name').innerText()).trim(), APP_NAME);
    const facts = {};
    for (const row of await app.locator('dl.facts > div').all()) {
      facts[(await row.locator('dt').innerText()).trim()] = row.locator('dd');
    }
    assert.deepEqual(Object.keys(facts), [T.en.colOrganization, T.en.colSince, T.en.colUntil, T.en.colSees]);
    assert.equal((await facts[T.en.colOrganization].innerText()).trim(), ORG);
    assert.equal((await facts[T.en.colSince].innerText()).trim(), T.en.date(today, T.en));
    assert.equal(await facts[T.en.colSince].locator('time').getAttribute('datetime'), iso(today));
    assert.equal((await facts[T.en.colUntil].innerText()).trim(), T.en.until(T.en.date(end, T.en)));
    assert.equal(await facts[T.en.colUntil].locator('time').getAttribute('datetime'), iso(end));
    const sees = (await facts[T.en.colSees].locator('li').allInnerTexts()).map((s) => s.trim());
    // The Spanish consent (the latest approval) left personal information out.
    assert.deepEqual(sees, [T.en.seesClaims]);
    const button = app.locator('[id^=revoke-]');
    assert.equal(await button.count(), 1, 'one revoke button');
    grantId = (await button.getAttribute('id')).slice('revoke-'.length);
    assert.equal(await app.getAttribute('id'), `app-${grantId}`);
    assert.ok((await button.innerText()).startsWith(T.en.revoke));
    assertCsp('/mymedicare/connected-apps');
    await checkPage('J3 en connected apps');
  });

  await step('J3: "Who read my data" lists the app\'s reads (ExplanationOfBenefit, Patient)', async () => {
    assert.equal(await text('#reads-heading'), T.en.readsHeading);
    // FHIR reads reach the audit trail through a batching writer (200 ms): allow a reload.
    let rows = [];
    for (let i = 0; i < 10; i++) {
      rows = await page.locator('#reads tbody tr').evaluateAll((trs) => trs.map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.textContent.replace(/\s+/g, ' ').trim())));
      if (rows.some((r) => r[2] === `${T.en.whatEob} (ExplanationOfBenefit)`)) break;
      await page.waitForTimeout(500);
      await page.reload();
    }
    assert.ok(rows.length > 0, 'the reads table has rows');
    assert.ok(rows.every((r) => r[1] === APP_NAME), `every read is by ${APP_NAME}: ${JSON.stringify(rows)}`);
    assert.ok(rows.some((r) => r[2] === `${T.en.whatEob} (ExplanationOfBenefit)`), `an ExplanationOfBenefit read: ${JSON.stringify(rows)}`);
    assert.ok(rows.some((r) => r[2] === `${T.en.whatPatient} (Patient)`), `a Patient read (English authorization): ${JSON.stringify(rows)}`);
    assert.ok(rows.every((r) => /^[A-Z][a-z]+ \d{1,2}, \d{4}, \d{2}:\d{2} UTC$/.test(r[0])), `times in words: ${JSON.stringify(rows.map((r) => r[0]))}`);
    const stamps = await page.locator('#reads tbody time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
    assert.deepEqual([...stamps].sort().reverse(), stamps, 'newest first');
    note(`${rows.length} reads listed`);
    await checkPage('J3 en who read my data');
  });

  await step('J3 es: ?lang=es shows the page in Spanish', async () => {
    await page.goto(`${BASE}/mymedicare/connected-apps?lang=es`);
    await expectPath(/^\/mymedicare\/connected-apps/, 'GET ?lang=es');
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    assert.equal(await text('h1'), T.es.appsTitle);
    assert.equal(await text('#reads-heading'), T.es.readsHeading);
    const app = page.locator('li.app').first();
    const dts = (await app.locator('dl.facts dt').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(dts, [T.es.colOrganization, T.es.colSince, T.es.colUntil, T.es.colSees]);
    const dds = (await app.locator('dl.facts > div > dd').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim());
    assert.equal(dds[1], T.es.date(today, T.es));
    assert.equal(dds[2], T.es.until(T.es.date(end, T.es)));
    assert.equal(dds[3], T.es.seesClaims);
    assert.ok((await app.locator('[id^=revoke-]').innerText()).startsWith(T.es.revoke));
    const what = (await page.locator('#reads tbody td:nth-child(3)').allInnerTexts()).map((s) => s.trim());
    assert.ok(what.includes(`${T.es.whatEob} (ExplanationOfBenefit)`), `Spanish read rows: ${JSON.stringify(what)}`);
    assertCsp('/mymedicare/connected-apps');
    await checkPage('J3 es connected apps');
  });

  await step('J3: Revoke → notice, no app left in the list', async () => {
    await page.goto(`${BASE}/mymedicare/connected-apps?lang=en`);
    await expectPath(/^\/mymedicare\/connected-apps/, 'GET ?lang=en');
    await clickAndLoad('[id^=revoke-]');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.ok(await page.locator('#notice').isVisible(), '#notice is visible');
    assert.equal(await text('#notice'), T.en.revokedNotice);
    assert.equal(await page.locator('li.app').count(), 0, 'no app listed');
    assert.equal(await page.locator('[id^=revoke-]').count(), 0, 'no revoke button');
    assert.equal(await text('#no-apps'), T.en.noApps);
    assertCsp('/mymedicare/connected-apps');
    await checkPage('J3 en revoked notice');
    // A reload (GET) shows the same list, without the notice.
    await page.goto(`${BASE}/mymedicare/connected-apps?lang=en`);
    assert.equal(await page.locator('#notice').count(), 0);
    assert.equal(await text('#no-apps'), T.en.noApps);
  });

  await step('J3: the app\'s last access token now gets 401 on FHIR, its refresh token is refused', async () => {
    const r = await fhir('/v2/fhir/ExplanationOfBenefit/', tokens.es.access_token);
    assert.equal(r.status, 401, `ExplanationOfBenefit with the revoked token: ${r.status} ${r.text.slice(0, 200)}`);
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.es.refresh_token });
    assert.notEqual(refresh.status, 200, `refresh after revocation: ${refresh.status} ${refresh.text.slice(0, 200)}`);
    assert.equal(refresh.json?.error, 'invalid_grant', `refresh after revocation: ${refresh.status} ${refresh.text.slice(0, 200)}`);
  });

  await step('J3 es: after revoking, ?lang=es shows no app, in Spanish', async () => {
    await page.goto(`${BASE}/mymedicare/connected-apps?lang=es`);
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    assert.equal(await text('h1'), T.es.appsTitle);
    assert.equal(await text('#no-apps'), T.es.noApps);
    assert.equal(await text('#reads-heading'), T.es.readsHeading);
    await checkPage('J3 es no app left');
  });

  await step('J3: no console errors or CSP violations; every server page carried CSP default-src \'none\'', async () => {
    assertNoConsoleErrors('J3');
    const pages = documents.filter((d) => d.status < 300 || d.status >= 400);
    serverPageCount = pages.length;
    const bad = pages.filter((d) => !(d.csp || '').includes("default-src 'none'"));
    assert.deepEqual(bad, [], 'server pages without the CSP');
    note(`${serverPageCount} server pages checked`);
  });
} finally {
  await new Promise((resolve) => appServer.close(resolve));
}

process.exit(await finish());
