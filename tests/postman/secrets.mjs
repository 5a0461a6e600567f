// Log hygiene for the Postman run: reads newman's JSON report (every request and response of
// the collection, `-r json --reporter-json-export`) and records, through
// tests/loghygiene/collect.mjs into BB_SECRETS_FILE, what the run handed out or read: the
// client secret and password it sent, the codes, verifiers and tokens, the cookies, and the
// MBIs, names, birth dates and claim ids of the FHIR responses.
//
//   node tests/postman/secrets.mjs NEWMAN_REPORT.json

import fs from 'node:fs';
import { COLLECTOR } from '../loghygiene/collect.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/postman/secrets.mjs NEWMAN_REPORT.json');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
let requests = 0;
for (const ex of report.run?.executions ?? []) {
  const req = ex.request ?? {};
  const headers = Object.fromEntries((req.header ?? []).filter((h) => !h.disabled).map((h) => [h.key, h.value]));
  const u = req.url ?? {};
  const query = (u.query ?? []).filter((q) => !q.disabled).map((q) => [q.key, q.value ?? '']);
  const url = `http://x/?${new URLSearchParams(query)}`;
  let body = null;
  if (req.body?.mode === 'urlencoded') {
    body = new URLSearchParams((req.body.urlencoded ?? []).filter((p) => !p.disabled).map((p) => [p.key, p.value ?? '']));
  } else if (req.body?.mode === 'raw') {
    body = req.body.raw;
  }
  COLLECTOR.request(url, headers, body);
  const resp = ex.response;
  if (resp) {
    const rh = resp.header ?? [];
    COLLECTOR.cookies(rh.filter((h) => /^set-cookie$/i.test(h.key)).map((h) => h.value));
    const data = resp.stream?.data;
    if (Array.isArray(data)) COLLECTOR.text(Buffer.from(data).toString('utf8'));
    // The Location of a redirect carries the authorization code.
    for (const h of rh.filter((x) => /^location$/i.test(x.key))) COLLECTOR.request(new URL(h.value, 'http://x/').toString(), {}, null);
  }
  requests++;
}
// Variables the collection's scripts kept (tokens, code, verifier) as exported at the end.
for (const v of report.environment?.values ?? []) {
  const kind = {
    accessToken: 'access_token', oldAccessToken: 'access_token', refreshToken: 'refresh_token',
    code: 'authorization_code', codeVerifier: 'code_verifier', clientSecret: 'client_secret',
    sandboxPassword: 'password', csrfToken: 'csrf_token', eobId: 'claim_id',
  }[v.key];
  if (kind && typeof v.value === 'string') COLLECTOR.add(kind, v.value);
}
console.log(`postman: recorded the sensitive values of ${requests} requests and responses`);
