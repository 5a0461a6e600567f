// Browser journey J4 (an organization asks for production access and goes live) and J5 (a
// live app changes its privacy policy), against a running bluebutton server. Started by
// tests/browser/run.sh, which creates the developer (owner of "E2E Org", with the sandbox app
// "E2E Health App") and two reviewers, and passes BB_DEV_EMAIL, BB_DEV_PASSWORD,
// BB_REVIEWER1_EMAIL, BB_REVIEWER2_EMAIL, BB_STAFF_PASSWORD, BB_SMTP_DIR and what
// harness.mjs reads.
//
// Three people share one browser, each with their own session: the journey keeps each one's
// cookies and swaps them in when that person acts (`as(...)`), so nobody signs in twice. The
// reviewers enrol in two-step sign-in first (required for staff), with codes computed here.
//
// J4: the developer accepts the terms of service → starts a request → a text file as the
// terms PDF is refused next to its field with the other entries kept → the complete request
// with both PDFs (made here; the privacy policy is a policy of the labelled corpus) is
// submitted → reviewer 1 publishes demo slots, finds the request in the queue with its due
// date, claims it and reads the automated policy report → the developer books a demo; the
// `.ics` invitation is downloaded and parsed (RFC 5545: one VEVENT, one hour, the meeting
// link, the organizer and the attendee) → reviewer 1 records the demo as held with a note on
// each item of the seed's demo checklist and raises a concern → the developer answers it →
// reviewer 1 approves; the confirmation is not offered to the approver → reviewer 2 confirms
// → the developer sends the directory listing (a description over 415 characters refused
// first; a "yes" to sharing that the policy contradicts is pointed out) → reviewer 1 issues
// the production credentials; the one-time link shows client id and secret once to a member
// of the organization (404 for staff, 410 the second time; every opening audited) → the
// developer goes live → the app is in /apps with its privacy label and in
// /.well-known/applications.
//
// J5: the developer submits a new privacy policy draft with the notice to enrollees (a bad
// file refused first, the notice kept) → reviewer 1 finds it in the queue, claims it, reads
// the word diff (<del>14</del> <ins>30</ins>, the new section inserted), the reports side by
// side and the notice, while the developer still sees the old version published → reviewer
// 1 approves → the new version is published with its date.
//
// Every page goes through `checkPage` (axe-core, screenshot in BB_SCREENSHOTS/j4/). Prints
// `ok - ` / `not ok - ` per step and `j4: N passed, N failed`; exits 1 when a step failed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, openJourney } from './harness.mjs';
import { pdf } from './pdf.mjs';
import { Authenticator, base32Decode } from './totp.mjs';

const SCRIPT = 'j4.mjs';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEV = { email: env('BB_DEV_EMAIL', SCRIPT), password: env('BB_DEV_PASSWORD', SCRIPT) };
const ALICE = { email: env('BB_REVIEWER1_EMAIL', SCRIPT), password: env('BB_STAFF_PASSWORD', SCRIPT) };
const BOB = { email: env('BB_REVIEWER2_EMAIL', SCRIPT), password: env('BB_STAFF_PASSWORD', SCRIPT) };
const APP_NAME = 'E2E Health App';
const MEETING_LINK = 'https://meet.example.org/bluebutton-demo-j4';
const POLICY_TEXT = fs.readFileSync(path.join(HERE, '../../crates/policy/tests/corpus/06-plain-language.txt'), 'utf8');
const TERMS_TEXT = [
  'CareNote terms of use',
  'These terms apply when you use the CareNote app. You must be 18 or older to use it.',
  'You may connect your Medicare claims to CareNote. You can disconnect at any time in Settings.',
  'We may change these terms. We will tell you in the app and by e-mail before a change applies.',
].join('\n');

const {
  BASE, context, page, documents, note, step, finish, assertCsp, assertNoConsoleErrors, text, expectPath, clickAndLoad, checkPage,
} = await openJourney('j4', { script: SCRIPT });
const lastStatus = () => documents[documents.length - 1]?.status;

// --- who is at the keyboard -------------------------------------------------------------------
const jars = new Map(); // person → cookies of their session
let current = null;
/** Makes `who` the person using the browser (their own session cookies). */
async function as(who) {
  if (current === who) return;
  if (current) jars.set(current, await context.cookies());
  await context.clearCookies();
  const jar = jars.get(who);
  if (jar) await context.addCookies(jar);
  current = who;
}

async function fill(fields) {
  for (const [id, value] of Object.entries(fields)) await page.locator(`#${id}`).fill(value);
}
async function signIn(who) {
  await as(who);
  await page.goto(`${BASE}/v2/accounts/login`);
  await fill({ email: who.email, password: who.password });
  await clickAndLoad('#login-button');
}
/** A reviewer's first sign-in: password, then enrolment in two-step sign-in (required for staff). */
async function signInReviewer(who) {
  await signIn(who);
  await page.goto(`${BASE}/v2/accounts/mfa/enrol`);
  const secret = await text('#totp-secret');
  who.authenticator = new Authenticator(base32Decode(secret));
  await page.locator('#code').fill(await who.authenticator.code());
  await clickAndLoad('#code-button');
  await page.goto(`${BASE}/v2/staff/access/`);
  await expectPath(/^\/v2\/staff\/access\/$/, `${who.email} on the review queue`);
  assert.equal(lastStatus(), 200, 'the queue answers 200 to a reviewer with two-step sign-in');
}

/** Asserts the field `id` shows `re` as its error, described by it, inside its field block. */
async function assertFieldError(id, re) {
  assert.ok(await page.locator(`#${id}-error`).isVisible(), `#${id}-error is visible`);
  assert.match(await text(`#${id}-error`), re);
  const described = (await page.locator(`#${id}`).getAttribute('aria-describedby')) || '';
  assert.ok(described.split(' ').includes(`${id}-error`), `#${id} is described by its error (${described})`);
  assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true');
}

/** The next weekday at least 7 days ahead, as YYYY-MM-DD (the server refuses past dates). */
function demoDate(offsetDays = 7) {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** RFC 5545 content lines: unfolded, each as { name, params, value }. */
function icsLines(body) {
  assert.ok(!/[^\r]\n/.test(body), 'every line of the .ics ends with CRLF');
  const unfolded = body.replace(/\r\n[ \t]/g, '');
  return unfolded.split('\r\n').filter(Boolean).map((line) => {
    const colon = line.search(/:(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    assert.ok(colon > 0, `a content line: ${line}`);
    const [name, ...params] = line.slice(0, colon).split(';');
    return { name: name.toUpperCase(), params, value: line.slice(colon + 1) };
  });
}
/** An RFC 5545 DATE-TIME in UTC (…Z) as milliseconds. */
function icsTime(v) {
  const m = v.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  assert.ok(m, `a UTC DATE-TIME: ${v}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

const state = { requestPath: null, staffPath: null, orgPath: null };

// --- J4 -------------------------------------------------------------------------------------
await step('J4: two reviewers sign in and enrol in two-step sign-in; the queue opens', async () => {
  await signInReviewer(ALICE);
  await checkPage('review queue (reviewer 1)');
  assertCsp('/v2/staff/access/');
  await signInReviewer(BOB);
});

await step('J4: reviewer 1 publishes one-hour demo slots with a meeting link', async () => {
  await as(ALICE);
  await page.goto(`${BASE}/v2/staff/access/slots`);
  await checkPage('demo slots');
  let date = demoDate();
  for (let attempt = 0; ; attempt++) {
    await fill({ date, times: '10:00, 14:00', meeting_link: MEETING_LINK });
    await clickAndLoad('#publish-slots');
    if (await page.locator('#slots-notice').count()) break;
    // A federal holiday is refused (it is not business time): the next weekday then.
    assert.ok(attempt < 3, `publishing slots on ${date} failed: ${await text('main')}`);
    date = demoDate(8 + attempt);
  }
  assert.equal(await page.locator('#slots tr.slot').count() >= 2, true, 'two slots are listed');
  note(`slots on ${date} at 10:00 and 14:00`);
  await checkPage('demo slots published');
});

await step('J4: the developer accepts the terms of service for the organization', async () => {
  await signIn(DEV);
  await page.goto(`${BASE}/v2/accounts/organizations/`);
  await clickAndLoad('#orgs a');
  await clickAndLoad('#org-production-access');
  state.orgPath = new URL(page.url()).pathname;
  assert.match(state.orgPath, /^\/v2\/accounts\/organizations\/[^/]+\/production-access\/$/);
  assert.equal(await page.locator('#terms-not-accepted').count(), 1, 'the terms are not accepted yet');
  await checkPage('production access (terms not accepted)');
  await clickAndLoad('#terms-link');
  assert.ok((await text('#terms-text')).length > 200, 'the terms are shown in full');
  await checkPage('terms of service');
  await clickAndLoad('#accept-terms');
  await page.goto(`${BASE}${state.orgPath}`);
  assert.equal(await page.locator('#terms-accepted').count(), 1, 'the acceptance is recorded');
});

await step('J4: a text file as the terms PDF is refused next to its field; the other entries are kept', async () => {
  await clickAndLoad('#start-request');
  await expectPath(/\/production-access\/[^/]+\/edit$/, 'a new draft opens for editing');
  await checkPage('request form (empty draft)');
  await page.locator('#application').selectOption({ label: APP_NAME });
  await fill({
    use_case: 'CareNote shows enrollees their Medicare claims as a timeline and totals per year.',
    redirect_uris: 'https://carenote.example.org/callback',
    contact_name: 'Grace Hopper',
    contact_email: 'grace@carenote.example.org',
    contact_phone: '+12025550143',
  });
  await page.locator('#terms').setInputFiles({ name: 'terms.pdf', mimeType: 'application/pdf', buffer: Buffer.from('not a PDF at all\n') });
  await clickAndLoad('#save-draft');
  assert.ok(lastStatus() >= 400 && lastStatus() < 500, `the draft with a bad file is refused (status ${lastStatus()})`);
  await assertFieldError('terms', /PDF/i);
  assert.equal(await page.locator('#use_case').inputValue(), 'CareNote shows enrollees their Medicare claims as a timeline and totals per year.');
  assert.equal(await page.locator('#contact_phone').inputValue(), '+12025550143');
  assert.equal(await page.locator('#files-again').count(), 1, 'the form says files must be chosen again');
  await checkPage('request form (bad terms file)');
});

await step('J4: the complete request with both PDFs and every attestation is submitted', async () => {
  await page.locator('#terms').setInputFiles({ name: 'carenote-terms.pdf', mimeType: 'application/pdf', buffer: pdf(TERMS_TEXT) });
  await page.locator('#privacy_policy').setInputFiles({ name: 'carenote-privacy.pdf', mimeType: 'application/pdf', buffer: pdf(POLICY_TEXT) });
  for (const box of await page.locator('#attestations input[type=checkbox]').all()) await box.check();
  await clickAndLoad('#submit-request');
  assert.equal(await text('#request-state'), 'submitted', `the request is submitted: ${await text('main')}`);
  state.requestPath = new URL(page.url()).pathname;
  assert.match(await text('#request-due'), /\d/, 'the first-response due date is shown to the developer');
  assert.equal(await page.locator('#documents tbody tr').count(), 2, 'two documents are kept');
  assert.match(await text('#documents'), /[0-9a-f]{64}/, 'with their SHA-256');
  await checkPage('request submitted (developer)');
  assertNoConsoleErrors('the request form');
});

await step('J4: reviewer 1 finds it in the queue with its due date, claims it and reads the policy report', async () => {
  await as(ALICE);
  await page.goto(`${BASE}/v2/staff/access/`);
  const row = page.locator('#queue tr.queue-row', { hasText: APP_NAME });
  assert.equal(await row.count(), 1, 'the request is in the queue');
  assert.equal((await row.locator('.queue-state').innerText()).trim(), 'submitted');
  assert.match(await row.locator('.queue-due').innerText(), /\d/, 'with its due date');
  await checkPage('review queue with the request');
  await clickAndLoad(`#queue tr.queue-row:has-text("${APP_NAME}") a`);
  state.staffPath = new URL(page.url()).pathname;
  await clickAndLoad('#move-claim');
  assert.equal(await text('#request-state'), 'in_review');
  await checkPage('request in review (reviewer)');
  const report = page.locator('#documents a[id^="report-"]').last();
  assert.equal(await page.locator('#documents a[id^="report-"]').count(), 2, 'each extracted document links to its report');
  await report.click();
  await page.waitForLoadState('load');
  assert.match(await text('#report-grade'), /words/, 'the report gives its reading level');
  assert.equal(await page.locator('#report-checklist tr[id^="check-"]').count(), 15, 'fifteen checklist items');
  await checkPage('policy report (reviewer)');
  await clickAndLoad('#report-back');
});

await step('J4: the developer books a demo; the .ics invitation is RFC 5545 with the meeting link', async () => {
  await as(DEV);
  await page.goto(`${BASE}${state.requestPath}`);
  assert.equal(await text('#request-state'), 'in_review');
  assert.ok(await page.locator('#slot option').count() >= 2, 'the published slots are offered');
  await page.locator('#slot').selectOption({ index: 0 });
  await clickAndLoad('#book-demo');
  assert.equal(await text('#request-state'), 'demo_scheduled');
  await checkPage('demo booked (developer)');
  const href = await page.locator('#demo-ics').getAttribute('href');
  const r = await page.request.get(new URL(href, page.url()).toString());
  assert.equal(r.status(), 200);
  assert.match(r.headers()['content-type'], /^text\/calendar/);
  const lines = icsLines(await r.text());
  const names = lines.map((l) => l.name);
  assert.equal(names[0], 'BEGIN');
  assert.equal(lines[0].value, 'VCALENDAR');
  assert.equal(lines.filter((l) => l.name === 'BEGIN' && l.value === 'VEVENT').length, 1, 'one VEVENT');
  for (const required of ['VERSION', 'PRODID', 'UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'ORGANIZER', 'ATTENDEE']) {
    assert.ok(names.includes(required), `the invitation has ${required}`);
  }
  assert.equal(lines.find((l) => l.name === 'VERSION').value, '2.0');
  const start = icsTime(lines.find((l) => l.name === 'DTSTART').value);
  const end = icsTime(lines.find((l) => l.name === 'DTEND').value);
  assert.equal(end - start, 3_600_000, 'the demo lasts one hour');
  assert.ok(start > Date.now(), 'the demo is ahead');
  const all = lines.map((l) => l.value).join('\n');
  assert.ok(all.includes(MEETING_LINK), 'the meeting link is in the invitation');
  assert.ok(lines.some((l) => l.name === 'ORGANIZER' && l.value.toLowerCase() === `mailto:${ALICE.email}`), 'reviewer 1 organizes');
  assert.ok(lines.some((l) => l.name === 'ATTENDEE' && l.value.toLowerCase().startsWith('mailto:')), 'an attendee');
  note(`demo at ${new Date(start).toISOString()}`);
});

await step('J4: reviewer 1 records the demo as held, with a note on each item of the demo checklist', async () => {
  await as(ALICE);
  await page.goto(`${BASE}${state.staffPath}`);
  assert.equal(await text('#request-state'), 'demo_scheduled');
  const items = await page.locator('#hold-form textarea').all();
  assert.ok(items.length >= 5, `the seed's five demo items (${items.length})`);
  for (const [i, item] of items.entries()) await item.fill(`Shown and discussed (item ${i + 1}).`);
  await clickAndLoad('#hold-demo');
  assert.equal(await text('#request-state'), 'demo_held');
  assert.ok((await page.locator('ul.demo-notes li').count()) >= 5, 'the notes are recorded');
  await checkPage('demo held (reviewer)');
});

await step('J4: reviewer 1 raises a concern; the developer answers it', async () => {
  await page.locator('#concern_0').fill('The consent screen does not say that claims data includes prescriptions.');
  await page.locator('#concern_0_severity').selectOption({ index: 1 });
  await clickAndLoad('#raise-concerns');
  assert.equal(await text('#request-state'), 'concerns_open');
  assert.equal(await page.locator('#concerns li.concern').count(), 1);
  await checkPage('concern raised (reviewer)');
  await as(DEV);
  await page.goto(`${BASE}${state.requestPath}`);
  assert.equal(await text('#request-state'), 'concerns_open');
  assert.match(await text('#concerns'), /prescriptions/);
  await checkPage('concern to answer (developer)');
  await page.locator('#respond-form textarea').first().fill('The consent screen now lists claims, prescriptions and coverage.');
  await clickAndLoad('#send-responses');
  assert.equal(await text('#request-state'), 'developer_responded');
  assert.match(await text('#concerns'), /now lists claims/);
});

await step('J4: reviewer 1 approves; the approver cannot confirm; reviewer 2 confirms (four eyes)', async () => {
  await as(ALICE);
  await page.goto(`${BASE}${state.staffPath}`);
  await page.locator(`#resolve-${(await page.locator('#concerns li.concern').first().getAttribute('id')).slice('concern-'.length)}`).click();
  await page.waitForLoadState('load');
  await page.locator('#approve_reason').fill('Demo complete; the concern was answered.');
  await clickAndLoad('#approve');
  assert.equal(await text('#request-state'), 'approved');
  assert.equal(await page.locator('#awaiting-confirmation').count(), 1);
  assert.equal(await page.locator('#confirm-approval').count(), 0, 'the approver is not offered the confirmation');
  await checkPage('approved, awaiting confirmation');
  await as(BOB);
  await page.goto(`${BASE}${state.staffPath}`);
  await clickAndLoad('#confirm-approval');
  assert.notEqual(await text('#confirmed-by'), 'nobody yet');
  assert.equal(await page.locator('#awaiting-confirmation').count(), 0);
  await checkPage('approval confirmed (reviewer 2)');
  assertNoConsoleErrors('the review');
});

await step('J4: the listing form refuses a description over 415 characters next to its field; the listing is sent', async () => {
  await as(DEV);
  await page.goto(`${BASE}${state.requestPath}`);
  assert.equal(await text('#request-state'), 'approved');
  await clickAndLoad('#listing-link');
  await checkPage('listing form');
  await fill({
    name: 'CareNote',
    description: 'CareNote shows your Medicare claims as a timeline. '.repeat(10),
    website: 'https://carenote.example.org',
    privacy_policy_uri: 'https://carenote.example.org/privacy',
    terms_uri: 'https://carenote.example.org/terms',
  });
  await page.locator('#categories input[type=checkbox]').first().check();
  await page.locator('#platform-web').check();
  // The policy says "We do not give your data to other companies": the answer "yes" to
  // sharing contradicts it, which the request page points out beside the label.
  await page.locator('#shares_data-yes').check();
  await page.locator('#sells_data-no').check();
  await page.locator('#retention-deleted_on_exit').check();
  await clickAndLoad('#listing-submit');
  assert.equal(lastStatus(), 400, 'a description over 415 characters is refused');
  await assertFieldError('description', /415/);
  assert.equal(await page.locator('#name').inputValue(), 'CareNote', 'the other entries are kept');
  assert.ok(await page.locator('#shares_data-yes').isChecked(), 'the answers are kept');
  await checkPage('listing form (description too long)');
  await fill({ description: 'CareNote shows your Medicare claims as a timeline, with totals per year and the drugs you filled.' });
  await clickAndLoad('#listing-submit');
  await page.goto(`${BASE}${state.requestPath}`);
  assert.equal(await text('#request-state'), 'listing_submitted');
  assert.equal(await text('#listing-name'), 'CareNote');
  assert.ok(await page.locator('#golive table').count() >= 1 || (await text('#golive')).includes('Privacy label'), 'the privacy label is shown');
  assert.equal(await page.locator('#listing-contradictions li.contradiction').count() >= 1, true,
    `the "yes" to sharing is set against the policy's passage: ${await text('#golive')}`);
  assert.match(await text('#listing-contradictions'), /sharing/);
  await checkPage('listing sent (developer)');
});

await step('J4: reviewer 1 issues production credentials; the one-time link shows the secret once, then 410', async () => {
  await as(ALICE);
  await page.goto(`${BASE}${state.staffPath}`);
  await clickAndLoad('#issue-credentials');
  assert.equal(await page.locator('#handoff-link').count(), 1, `the issuing reviewer sees the link: ${await text('main')}`);
  assert.match(await text('#handoff-expires'), /once/);
  await checkPage('hand-off link (reviewer)');
  state.handoff = await page.locator('#handoff-link').getAttribute('href');
  assert.match(state.handoff, /^\/v2\/accounts\/credentials\/[A-Za-z0-9]+$/);
  // Staff cannot open it: only a member of the organization.
  await page.goto(`${BASE}${state.handoff}`);
  assert.equal(lastStatus(), 404, 'a reviewer opening the link gets 404');
  await as(DEV);
  await page.goto(`${BASE}${state.handoff}`);
  assert.equal(lastStatus(), 200);
  const clientId = await text('#client-id');
  const secret = await text('#client-secret');
  assert.ok(clientId.length >= 20 && secret.length >= 20, 'client id and secret are shown');
  const doc = documents[documents.length - 1];
  assert.ok(doc, 'the credentials page was seen');
  await checkPage('production credentials (shown once)');
  note(`production client id ${clientId.slice(0, 6)}…`);
  state.clientId = clientId;
  await page.goto(`${BASE}${state.handoff}`);
  assert.equal(lastStatus(), 410, 'the link opens only once');
  assert.ok(!(await text('main')).includes(secret), 'the secret is not shown again');
  await checkPage('hand-off link used (410)');
  await as(ALICE);
  await page.goto(`${BASE}${state.staffPath}`);
  const outcomes = (await page.locator('#handoff-audit .handoff-outcome').allInnerTexts()).map((t) => t.trim());
  assert.ok(outcomes.includes('shown') && outcomes.includes('used'), `every opening is audited: ${outcomes.join(', ')}`);
});

await step('J4: the developer goes live; the app is listed in /apps with its privacy label', async () => {
  await as(DEV);
  await page.goto(`${BASE}${state.requestPath}`);
  assert.equal(await text('#request-state'), 'credentials_issued');
  assert.equal(await text('#production-client-id'), state.clientId);
  await clickAndLoad('#move-go_live');
  assert.equal(await text('#request-state'), 'live');
  await checkPage('live (developer)');
  await page.goto(`${BASE}/apps`);
  assert.equal(lastStatus(), 200);
  const entry = page.locator('li.directory-entry', { hasText: 'CareNote' });
  assert.equal(await entry.count(), 1, 'the live app is in the directory');
  assert.match(await entry.innerText(), /timeline/);
  assert.match(await entry.innerText(), /share/i, 'with its privacy label');
  await checkPage('connected-apps directory');
  assertCsp('/apps');
  const r = await page.request.get(`${BASE}/.well-known/applications`);
  assert.equal(r.status(), 200);
  const body = await r.json();
  const listed = body.results.find((a) => a.name === 'CareNote');
  assert.ok(listed, `CareNote in /.well-known/applications: ${JSON.stringify(body).slice(0, 300)}`);
  assert.equal(listed.website_uri, 'https://carenote.example.org');
  assert.ok(listed.last_reviewed, 'with the date of its last review');
  state.lastReviewed = listed.last_reviewed;
  assertNoConsoleErrors('going live');
});

// --- J5 -------------------------------------------------------------------------------------
const NEW_POLICY_TEXT = POLICY_TEXT.replace('we erase your data in 14 days', 'we erase your data in 30 days')
  + '\nResearch\nWe may use data with names removed to study how people use CareNote.\n';

await step('J5: the developer submits new policy drafts and the notice to enrollees (a bad file is refused first)', async () => {
  await page.goto(`${BASE}${state.requestPath}`);
  await clickAndLoad('#policy-changes-link');
  state.changesPath = new URL(page.url()).pathname;
  assert.equal(await page.locator('#published-privacy_policy').count(), 1, 'the published privacy policy is listed');
  state.publishedBefore = await text('#published-privacy_policy');
  await checkPage('published documents and policy changes');
  await fill({ notice: 'We are updating our privacy policy: closed accounts are now erased after 30 days.' });
  await page.locator('#privacy_policy').setInputFiles({ name: 'privacy-v2.pdf', mimeType: 'application/pdf', buffer: Buffer.from('GIF89a not a pdf') });
  await clickAndLoad('#submit-change');
  assert.ok(lastStatus() >= 400 && lastStatus() < 500, `refused (${lastStatus()})`);
  await assertFieldError('privacy_policy', /PDF/i);
  assert.match(await page.locator('#notice').inputValue(), /30 days/, 'the notice is kept');
  assert.equal(await page.locator('#change-list').count(), 0, 'nothing was saved');
  await checkPage('policy change form (bad file)');
  await page.locator('#privacy_policy').setInputFiles({ name: 'privacy-v2.pdf', mimeType: 'application/pdf', buffer: pdf(NEW_POLICY_TEXT) });
  await clickAndLoad('#submit-change');
  assert.ok(lastStatus() < 400, `submitted (${lastStatus()}): ${await text('main')}`);
  assert.match(await text('#change-state'), /submitted/);
  assert.match(await text('#change-due'), /\d/, 'the decision due date is shown');
  state.changePath = new URL(page.url()).pathname;
  await checkPage('policy change submitted (developer)');
});

await step('J5: reviewer 1 sees the word diff, the reports side by side and the notice; the old version stays published', async () => {
  await as(ALICE);
  await page.goto(`${BASE}/v2/staff/access/`);
  const row = page.locator('#change-queue tr.change-row', { hasText: APP_NAME });
  assert.ok(await row.count() >= 1, 'the change is in the queue');
  await checkPage('review queue with a policy change');
  await clickAndLoad(`#change-queue tr.change-row:has-text("${APP_NAME}") a`);
  state.staffChangePath = new URL(page.url()).pathname;
  await clickAndLoad('#move-claim');
  const diff = page.locator('#diff-privacy_policy-text');
  assert.equal(await diff.locator('del', { hasText: '14' }).count() >= 1, true, 'the old "14" is deleted');
  assert.equal(await diff.locator('ins', { hasText: '30' }).count() >= 1, true, 'the new "30" is inserted');
  assert.ok(await diff.locator('ins', { hasText: 'Research' }).count() >= 1, 'the new section is inserted');
  assert.match(await text('#enrollee-notice'), /30 days/);
  assert.equal(await page.locator('#report-compare').count(), 1, 'the reports are side by side');
  await checkPage('policy change with its diff (reviewer)');
  await as(DEV);
  await page.goto(`${BASE}${state.changesPath}`);
  assert.equal(await text('#published-privacy_policy'), state.publishedBefore, 'until approval the old version stays published');
});

await step('J5: reviewer 1 approves; the new version is published and dated', async () => {
  await as(ALICE);
  await page.goto(`${BASE}${state.staffChangePath}`);
  await fill({ approve_reason: 'The new retention period is stated plainly.' });
  await clickAndLoad('#move-approve');
  assert.match(await text('#change-state'), /approved/);
  await checkPage('policy change approved (reviewer)');
  await as(DEV);
  await page.goto(`${BASE}${state.changesPath}`);
  const published = await text('#published-privacy_policy');
  assert.notEqual(published, state.publishedBefore, 'the published privacy policy changed');
  assert.match(published, /privacy-v2\.pdf/);
  assert.match(await page.locator('#published-privacy_policy .published-at').innerText(), /\d{4}-\d{2}-\d{2}/, 'dated');
  await checkPage('new version published (developer)');
  const r = await page.request.get(`${BASE}/.well-known/applications`);
  const listed = (await r.json()).results.find((a) => a.name === 'CareNote');
  assert.ok(listed.last_reviewed >= state.lastReviewed, 'the directory dates the last review');
  assertNoConsoleErrors('the policy change');
});

process.exit(await finish());
