// Browser journey J1 (a developer joins the sandbox) against a running bluebutton server
// that delivers its e-mail to a real SMTP server on loopback (tests/smtp: each received
// message is a JSON file in BB_SMTP_DIR). Started by tests/browser/run.sh after journey.mjs,
// which passes BB_BASE, BB_SMTP_DIR and what harness.mjs reads (BB_CHROMIUM, BB_ARTIFACTS,
// BB_SCREENSHOTS).
//
// Sign-up (first with a password the rules refuse: the error is next to the field and the
// other entries are kept) → the server's "check your e-mail" page → signing in before
// confirming (refused, a new link is sent) → the verification link read from the message
// the SMTP server received → the link again (already used) → a wrong password → sign-in →
// the account page → TOTP enrolment (a wrong code, then the code computed here with RFC 6238
// from the key the page shows) → password change (a refused one, then a good one) → sign-out
// → sign-in with the second step → sign-out → "forgot password" → the reset link from the
// SMTP server → a refused and then a good new password → sign-in with the new password and
// the code → the account page.
//
// Every page the browser shows goes through `checkPage` (axe-core: no serious or critical
// violation; a screenshot in BB_SCREENSHOTS/j1/). Prints `ok - ` / `not ok - ` per step and
// `j1: N passed, N failed`; exits 1 when a step failed.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { env, openJourney } from './harness.mjs';
import { Authenticator, base32Decode } from './totp.mjs';

const SMTP_DIR = env('BB_SMTP_DIR', 'j1.mjs');
const RUN = crypto.randomBytes(4).toString('hex');
const DEV = {
  name: 'Grace Hopper',
  // A recipient of this run only: the SMTP folder may hold other runs' messages.
  email: `j1-${RUN}@example.org`,
  organization: 'Compiler Health Labs',
  password: 'amber lantern orchard 17',
};
const CHANGED_PASSWORD = 'copper meadow whistle 58';
const RESET_PASSWORD = 'silent harbor pepper 93';
const REFUSED_PASSWORD = 'short'; // under 12 characters
const MAIL_WAIT_MS = 30_000;

const {
  BASE, page, documents, note, step, finish, assertCsp, assertNoConsoleErrors, text, expectPath, clickAndLoad, checkPage, checkKeyboard,
} = await openJourney('j1', { script: 'j1.mjs' });

// --- e-mail as the SMTP server received it ----------------------------------------------------
const readMessages = new Set(); // files already used by a step
/**
 * The newest message to `to` with `subject` that no step has used yet, waiting up to 30 s
 * for the server's sender to deliver it; returns the message and its first link.
 */
async function receivedMail(to, subject) {
  const deadline = Date.now() + MAIL_WAIT_MS;
  for (;;) {
    const files = fs.readdirSync(SMTP_DIR).filter((f) => f.endsWith('.json')).sort().reverse();
    for (const f of files) {
      if (readMessages.has(f)) continue;
      const m = JSON.parse(fs.readFileSync(path.join(SMTP_DIR, f), 'utf8'));
      if (m.subject === subject && m.rcpt_tos.includes(to)) {
        for (const older of files) readMessages.add(older); // earlier ones are superseded
        const link = (m.body.match(/https?:\/\/\S+/) || [])[0];
        assert.ok(link, `a link in "${subject}": ${m.body}`);
        return { message: m, link, file: f };
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`no unread "${subject}" message to ${to} arrived in ${SMTP_DIR} within ${MAIL_WAIT_MS / 1000} s (files: ${files.join(' ')})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// --- the second step: RFC 6238 codes from the key the enrolment page shows (totp.mjs) ------------
let authenticator = null;
const totpCode = () => authenticator.code();
const wrongCode = () => authenticator.wrongCode();

// --- page helpers --------------------------------------------------------------------------
async function fillForm(fields) {
  for (const [id, value] of Object.entries(fields)) await page.locator(`#${id}`).fill(value);
}
/**
 * Asserts the field `id` shows `re` as its error, named first by aria-describedby (then by
 * the field's hint, the password rules, when `hint`).
 */
async function assertFieldError(id, re, { hint = false } = {}) {
  const error = page.locator(`#${id}-error`);
  assert.ok(await error.isVisible(), `#${id}-error is visible`);
  assert.match(await text(`#${id}-error`), re);
  const input = page.locator(`#${id}`);
  const described = hint ? `${id}-error ${id}-hint` : `${id}-error`;
  assert.equal(await input.getAttribute('aria-describedby'), described, `#${id} is described by its error${hint ? ' and its hint' : ''}`);
  if (hint) assert.match(await text(`#${id}-hint`), /12 characters/, `#${id}-hint states the rules`);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  // The error sits in the field's own block, right by its label and input.
  assert.equal(await page.locator(`.field:has(#${id}) #${id}-error`).count(), 1, `#${id}-error is inside the field`);
}
const lastStatus = () => documents[documents.length - 1]?.status;
async function signIn(email, password) {
  await page.goto(`${BASE}/v2/accounts/login`);
  await fillForm({ email, password });
  await clickAndLoad('#login-button');
}
async function signOut() {
  await clickAndLoad('#logout-button');
  await expectPath(/^\/v2\/accounts\/login$/, 'after Sign out');
  assert.equal(await page.locator('#nav-login').count(), 1, 'the header offers Sign in again');
}

await step('J1: the sign-up page asks for name, e-mail, organization and password', async () => {
  await page.goto(`${BASE}/v2/accounts/create`);
  assert.equal(lastStatus(), 200);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await text('h1'), 'Create a developer account');
  for (const [id, label] of [['name', 'Your name'], ['email', 'E-mail address'], ['organization', 'Organization name'], ['password', 'Password']]) {
    assert.equal(await text(`label[for=${id}]`), label);
  }
  assert.equal(await page.locator('#password').getAttribute('type'), 'password');
  assert.equal(await page.locator('#password').getAttribute('aria-describedby'), 'password-hint', 'the password rules describe the field');
  assert.equal(await page.locator('input[type=hidden][name=csrf_token]').count(), 1);
  assertCsp('/v2/accounts/create');
  await checkPage('sign-up');
  await checkKeyboard();
});

await step('J1: a refused password shows its error next to the field; the other entries are kept', async () => {
  await fillForm({ ...DEV, password: REFUSED_PASSWORD });
  await clickAndLoad('#signup-button');
  await expectPath(/^\/v2\/accounts\/create$/, 'after a refused sign-up');
  assert.equal(lastStatus(), 400);
  assert.ok(await page.locator('#form-error[role=alert]').isVisible(), 'the form says to fix the fields below');
  await assertFieldError('password', /12 characters/, { hint: true });
  assert.equal(await page.locator('#name').inputValue(), DEV.name, 'the name is kept');
  assert.equal(await page.locator('#email').inputValue(), DEV.email, 'the e-mail is kept');
  assert.equal(await page.locator('#organization').inputValue(), DEV.organization, 'the organization is kept');
  assert.equal(await page.locator('#password').inputValue(), '', 'the password is not sent back');
  for (const id of ['name', 'email', 'organization']) {
    assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), null, `#${id} is not marked invalid`);
  }
  assertCsp('/v2/accounts/create');
  await checkPage('sign-up, refused password');
});

await step('J1: signing up with a good password → "Check your e-mail"', async () => {
  await page.locator('#password').fill(DEV.password);
  await clickAndLoad('#signup-button');
  assert.equal(lastStatus(), 200);
  assert.equal(await text('#notice h1'), 'Check your e-mail');
  assertCsp('/v2/accounts/create');
  await checkPage('sign-up, check your e-mail');
});

await step('J1: signing in before confirming the address is refused (a new link is sent)', async () => {
  await signIn(DEV.email, DEV.password);
  await expectPath(/^\/v2\/accounts\/login$/, 'after signing in unconfirmed');
  assert.equal(lastStatus(), 403);
  assert.match(await text('#form-error'), /not confirmed yet/);
  assert.equal(await page.locator('#email').inputValue(), DEV.email, 'the e-mail is kept');
  await checkPage('sign-in, address not confirmed');
});

let verifyLink;
await step('J1: the verification message arrives by SMTP, with a link to this server', async () => {
  const { message, link } = await receivedMail(DEV.email, 'Confirm your e-mail address');
  assert.ok(message.body.startsWith(`${DEV.name},`), message.body);
  assert.ok(link.startsWith(`${BASE}/v2/accounts/activation-verify/`), `the link points at ${BASE}: ${link}`);
  verifyLink = link;
  note(`message to ${message.rcpt_tos.join(', ')} from ${message.from}`);
});

await step('J1: opening the link confirms the address', async () => {
  await page.goto(verifyLink);
  assert.equal(lastStatus(), 200);
  assert.equal(await text('#notice h1'), 'E-mail address confirmed');
  assertCsp('/v2/accounts/activation-verify/');
  await checkPage('e-mail address confirmed');
});

await step('J1: the same link again cannot be used', async () => {
  await page.goto(verifyLink);
  assert.equal(lastStatus(), 400);
  assert.equal(await text('#notice h1'), 'This link cannot be used');
  await checkPage('verification link used');
});

await step('J1: a wrong password is refused, the e-mail kept', async () => {
  await signIn(DEV.email, 'not the password at all');
  assert.equal(lastStatus(), 401);
  assert.match(await text('#form-error'), /not correct/);
  assert.equal(await page.locator('#email').inputValue(), DEV.email);
  assert.equal(await page.locator('#password').inputValue(), '');
  await checkPage('sign-in, wrong password');
});

await step('J1: signing in shows the account page (name, e-mail, organization, two-step off)', async () => {
  await signIn(DEV.email, DEV.password);
  await expectPath(/^\/v2\/accounts\/settings$/, 'after signing in');
  assert.equal(await text('h1'), 'Your account');
  assert.equal(await text('#account-name'), DEV.name);
  assert.equal(await text('#account-email'), DEV.email);
  assert.equal(await text('#account-organization'), DEV.organization);
  assert.equal(await text('#account-totp'), 'Off');
  assert.equal(await text('#nav-account'), DEV.email);
  assertCsp('/v2/accounts/settings');
  await checkPage('account');
  await checkKeyboard();
});

await step('J1: TOTP enrolment shows the key; a wrong code shows its error next to the field', async () => {
  await clickAndLoad('#enrol-link');
  await expectPath(/^\/v2\/accounts\/mfa\/enrol$/, 'after "Turn on two-step sign-in"');
  const secret = await text('#totp-secret');
  authenticator = new Authenticator(base32Decode(secret));
  assert.equal(authenticator.key.length, 20, `a 160-bit key: ${secret}`);
  assert.match(await text('#totp-uri'), /^otpauth:\/\/totp\//);
  await checkPage('two-step sign-in setup');
  await page.locator('#code').fill(wrongCode());
  await clickAndLoad('#code-button');
  assert.equal(lastStatus(), 400);
  await assertFieldError('code', /./);
  assert.equal(await text('#totp-secret'), secret, 'the same key is shown again');
  await checkPage('two-step sign-in setup, wrong code');
});

await step('J1: the code computed from the key turns two-step sign-in on', async () => {
  await page.locator('#code').fill(await totpCode());
  await clickAndLoad('#code-button');
  await expectPath(/^\/v2\/accounts\/settings\?done=totp$/, 'after the right code');
  assert.match(await text('#account-notice'), /Two-step sign-in is on/);
  assert.equal(await text('#account-totp'), 'On');
  await checkPage('account, two-step sign-in on');
});

await step('J1: a refused new password shows its error next to the field', async () => {
  await fillForm({ current_password: DEV.password, new_password: REFUSED_PASSWORD });
  await clickAndLoad('#password-change-button');
  assert.equal(lastStatus(), 400);
  await assertFieldError('new_password', /12 characters/, { hint: true });
  assert.equal(await page.locator('#new_password').inputValue(), '');
  await checkPage('password change, refused password');
});

await step('J1: changing the password', async () => {
  await fillForm({ current_password: DEV.password, new_password: CHANGED_PASSWORD });
  await clickAndLoad('#password-change-button');
  await expectPath(/^\/v2\/accounts\/settings\?done=password$/, 'after the change');
  assert.match(await text('#account-notice'), /password is changed/);
  await checkPage('account, password changed');
});

await step('J1: sign out, then sign in with the new password and the second step', async () => {
  await signOut();
  await checkPage('signed out');
  await signIn(DEV.email, CHANGED_PASSWORD);
  await expectPath(/^\/v2\/accounts\/login\/totp$/, 'after the password');
  assert.equal(await text('h1'), 'Two-step sign-in');
  await checkPage('sign-in, second step');
  await page.locator('#code').fill(await totpCode());
  await clickAndLoad('#code-button');
  await expectPath(/^\/v2\/accounts\/settings$/, 'after the code');
  assert.equal(await text('#account-email'), DEV.email);
});

await step('J1: sign out, "Forgot your password?" → "Check your e-mail"', async () => {
  await signOut();
  await clickAndLoad('a[href="/v2/accounts/forgot-password"]');
  await expectPath(/^\/v2\/accounts\/forgot-password$/, 'after "Forgot your password?"');
  assert.equal(await text('h1'), 'Reset your password');
  await checkPage('forgot password');
  await page.locator('#email').fill(DEV.email);
  await clickAndLoad('#forgot-button');
  assert.equal(lastStatus(), 200);
  assert.equal(await text('#notice h1'), 'Check your e-mail');
  await checkPage('forgot password, check your e-mail');
});

let resetLink;
await step('J1: the reset message arrives by SMTP; its link opens the new-password form', async () => {
  const { link } = await receivedMail(DEV.email, 'Reset your password');
  assert.ok(link.startsWith(`${BASE}/v2/accounts/reset-password/`), link);
  resetLink = link;
  await page.goto(resetLink);
  assert.equal(lastStatus(), 200);
  assert.equal(await text('h1'), 'Choose a new password');
  assertCsp('/v2/accounts/reset-password/');
  await checkPage('reset password');
});

await step('J1: a refused new password shows its error; a good one is saved', async () => {
  await page.locator('#password').fill(REFUSED_PASSWORD);
  await clickAndLoad('#reset-button');
  assert.equal(lastStatus(), 400);
  await assertFieldError('password', /12 characters/, { hint: true });
  await checkPage('reset password, refused password');
  await page.locator('#password').fill(RESET_PASSWORD);
  await clickAndLoad('#reset-button');
  assert.equal(lastStatus(), 200);
  assert.equal(await text('#notice h1'), 'Password changed');
  await checkPage('password reset');
});

await step('J1: the old password is refused; the new one and the code sign in', async () => {
  await signIn(DEV.email, CHANGED_PASSWORD);
  assert.equal(lastStatus(), 401);
  await signIn(DEV.email, RESET_PASSWORD);
  await expectPath(/^\/v2\/accounts\/login\/totp$/, 'after the password');
  await page.locator('#code').fill(await totpCode());
  await clickAndLoad('#code-button');
  await expectPath(/^\/v2\/accounts\/settings$/, 'after the code');
  assert.equal(await text('#account-totp'), 'On');
  await checkPage('account after the reset');
});

// --- app registration, docs and the test client, signed in -----------------------------------
/** A valid RGB PNG of `w`×`h` pixels in one colour, built here (signature, IHDR, IDAT, IEND). */
function png(w, h, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const APP = {
  name: `Compiler Health ${RUN}`,
  description: 'Shows Medicare enrollees their claims, coverage and costs in one timeline.',
  website_uri: 'https://compiler-health.example.org',
  policy_uri: 'https://compiler-health.example.org/privacy',
  tos_uri: 'https://compiler-health.example.org/terms',
  redirect_uris: 'https://compiler-health.example.org/callback\nhttp://localhost:3000/callback',
  support_email: 'support@compiler-health.example.org',
  support_phone_number: '+15555550123',
};
let clientId = '';

await step('J1: the app list is empty and links to registration', async () => {
  await clickAndLoad('#nav-apps');
  await expectPath(/^\/v2\/o\/applications\/$/, 'after Apps');
  assert.equal(lastStatus(), 200);
  assertCsp('/v2/o/applications/');
  await checkPage('app list, empty');
});

await step('J1: a refused registration keeps the entries and says what is wrong, next to the field', async () => {
  await page.goto(`${BASE}/v2/o/applications/register/`);
  assert.equal(lastStatus(), 200);
  await checkPage('app registration form');
  await fillForm({ ...APP, description: 'Read <b>your</b> claims' });
  await page.locator('#logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png(600, 600, [11, 71, 120]) });
  await page.locator('input[name=categories]').first().check();
  await page.locator('#agree').check();
  await clickAndLoad('#app-save-button');
  assert.equal(lastStatus(), 400);
  assert.match(await text('#description-error'), /HTML/i);
  assert.match(await text('#logo-error'), /512/);
  assert.equal(await page.locator('#name').inputValue(), APP.name, 'the name is kept');
  assert.equal(await page.locator('#support_phone_number').inputValue(), APP.support_phone_number, 'the phone is kept');
  assert.equal(await page.locator('#logo-again').count(), 1, 'the page says to choose the logo again');
  await checkPage('app registration, refused');
});

await step('J1: registration issues a client id and shows the secret once', async () => {
  await page.locator('#description').fill(APP.description);
  await page.locator('#logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png(96, 96, [11, 71, 120]) });
  if (!(await page.locator('#agree').isChecked())) await page.locator('#agree').check();
  await clickAndLoad('#app-save-button');
  assert.equal(lastStatus(), 200);
  assert.equal(await text('#app-name'), APP.name);
  clientId = await text('#client-id');
  assert.match(clientId, /^[A-Za-z0-9]{40}$/, 'a 40-character client id');
  assert.match(await text('#client-secret'), /^[A-Za-z0-9]{128}$/, 'a 128-character secret, shown once');
  assert.equal(await page.locator('#app-logo').count(), 1, 'the logo is shown');
  const logo = await page.request.get(await page.locator('#app-logo').getAttribute('src', { timeout: 5000 }).then((src) => new URL(src, BASE).href));
  assert.equal(logo.status(), 200);
  assert.equal(logo.headers()['content-type'], 'image/png');
  await checkPage('app registered, secret shown once');
});

await step('J1: the app page never shows the secret again; a new one can be issued', async () => {
  // The secret came in the POST's answer; the app's own page is the edit link's parent.
  const edit = await page.locator('#edit-link').getAttribute('href');
  assert.match(edit, /^\/v2\/o\/applications\/[^/]+\/update\/$/);
  await page.goto(new URL(edit.replace(/update\/$/, ''), BASE).href);
  assert.equal(lastStatus(), 200);
  assert.equal(await page.locator('#client-secret').count(), 0, 'no secret on a later view');
  assert.equal(await text('#client-id'), clientId);
  await checkPage('app page');
  await clickAndLoad('#rotate-button');
  assert.equal(lastStatus(), 200);
  assert.match(await text('#client-secret'), /^[A-Za-z0-9]{128}$/, 'the new secret, shown once');
  await checkPage('app page, new secret');
  await clickAndLoad('#nav-apps');
  assert.match(await text('main'), new RegExp(APP.name));
  await checkPage('app list');
});

await step('J1: the docs: getting started, the FHIR guide, the data dictionary, Swagger UI', async () => {
  await clickAndLoad('#nav-docs');
  assert.equal(lastStatus(), 200);
  await checkPage('docs home');
  for (const [path, name] of [
    ['/docs/getting-started', 'docs getting started'],
    ['/docs/authorization', 'docs authorization'],
    ['/docs/fhir/explanation-of-benefit', 'docs FHIR EOB'],
  ]) {
    await page.goto(`${BASE}${path}`);
    assert.equal(lastStatus(), 200, path);
    await checkPage(name);
  }
  await page.goto(`${BASE}/docs/data-dictionary`);
  await page.locator('#q').fill('BENE_ID');
  await clickAndLoad('#search-button');
  assert.equal(lastStatus(), 200);
  assert.match(await text('#result-count'), /match/);
  assert.ok((await page.locator('#results tbody tr').count()) > 0, 'the search finds BENE_ID');
  await checkPage('data dictionary search');
  const spec = await page.request.get(`${BASE}/docs/openapi.json`);
  assert.equal(spec.status(), 200);
  assert.match((await spec.json()).openapi, /^3\.1\./);
  await page.goto(`${BASE}/docs/openapi/`);
  assert.equal(lastStatus(), 200);
  await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 15000 });
  assert.ok((await page.locator('.swagger-ui .opblock').count()) >= 10, 'Swagger UI lists the operations');
  await checkPage('Swagger UI');
});

await step('J1: the test client authorizes as a sandbox enrollee and shows the data', async () => {
  await page.goto(`${BASE}/testclient/`);
  assert.equal(lastStatus(), 200);
  await checkPage('test client start');
  await clickAndLoad('#authorize-link');
  await expectPath(/^\/mymedicare\/login/, 'the sandbox login');
  await page.locator('#username-textbox').fill('BBUser00000');
  await page.locator('#password-textbox').fill('PW00000!');
  await clickAndLoad('#login-button');
  await page.locator('#approve').waitFor();
  await checkPage('test client consent');
  await clickAndLoad('#approve');
  await expectPath(/^\/testclient\/(\?done=authorized)?$/, 'back in the test client');
  assert.ok(await page.locator('#testclient-connected').isVisible(), 'authorized');
  assert.match(await text('#token-patient'), /\S/);
  await checkPage('test client authorized');
});

await step('J1: Patient, Coverage, ExplanationOfBenefit pages, userinfo and a refresh', async () => {
  for (const [link, resource] of [['#link-patient', 'Patient'], ['#link-coverage', 'Coverage'], ['#link-eob', 'ExplanationOfBenefit'], ['#link-userinfo', null]]) {
    await page.goto(`${BASE}/testclient/`);
    await clickAndLoad(link);
    assert.equal(lastStatus(), 200, link);
    assert.equal(await text('#response-status'), '200', `${link}: the API answered 200`);
    const json = JSON.parse(await text('#response-json'));
    if (resource) {
      // Patient is read by id; Coverage and ExplanationOfBenefit are searched.
      const first = json.resourceType === 'Bundle' ? json.entry?.[0]?.resource : json;
      assert.equal(first?.resourceType, resource, `${resource} on screen`);
      assert.match(await text('#summary'), /\S/, `${resource}: a readable summary`);
    } else {
      assert.ok(json.sub || json.patient, 'userinfo names the enrollee');
    }
    await checkPage(`test client ${resource || 'userinfo'}`);
    if (link === '#link-eob' && (await page.locator('#page-next').count()) > 0) {
      await clickAndLoad('#page-next');
      assert.equal(await text('#response-status'), '200', 'EOB page 2');
      await checkPage('test client EOB page 2');
    }
  }
  await page.goto(`${BASE}/testclient/`);
  const before = await text('#token-refreshed');
  await clickAndLoad('#refresh-button');
  assert.equal(lastStatus(), 200);
  assert.notEqual(await text('#token-refreshed'), before, 'the refresh count moved');
  await checkPage('test client refreshed');
});

await step('J1: no console errors or CSP violations; every server page carried CSP default-src \'none\'', async () => {
  assertNoConsoleErrors('J1');
  const pages = documents.filter((d) => d.status < 300 || d.status >= 400);
  const bad = pages.filter((d) => !(d.csp || '').includes("default-src 'none'"));
  assert.deepEqual(bad, [], 'server pages without the CSP');
  note(`${pages.length} server pages checked`);
});

process.exit(await finish());
