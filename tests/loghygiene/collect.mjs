// The log-hygiene collector for the Node parts of the end-to-end suites (no dependencies):
// tests/sdk/node_flow.mjs, tests/browser/harness.mjs (every journey), the Postman run's
// report (postman-report.mjs). The same rules as collect.py.
//
// Every sensitive value a suite hands to the server or reads from it is appended to the
// secrets file named by BB_SECRETS_FILE (tests/*/run.sh: "$LOGDIR/<suite>-secrets.jsonl"),
// one JSON object a line: {"kind": "access_token", "value": "…"}; tests/loghygiene/check.py
// greps every server log line for each. Without BB_SECRETS_FILE nothing is written.
//
// Kinds: access_token, refresh_token, id_token, authorization_code, code_verifier,
// client_secret, password, cookie, totp_secret, totp_code, email_link_token, token (sent for revocation
// or introspection), and from FHIR and UserInfo responses: mbi, name, birth_date, claim_id
// (ExplanationOfBenefit.id), claim_identifier (ExplanationOfBenefit.identifier[].value).

import fs from 'node:fs';

/** Form fields (and query parameters) whose value is a credential → kind. */
export const FORM_FIELDS = {
  password: 'password',
  new_password: 'password',
  current_password: 'password',
  code: 'authorization_code',
  code_verifier: 'code_verifier',
  client_secret: 'client_secret',
  refresh_token: 'refresh_token',
  token: 'token',
};

/** JSON members whose string value is a credential → kind. */
const TOKEN_MEMBERS = {
  access_token: 'access_token',
  refresh_token: 'refresh_token',
  id_token: 'id_token',
  client_secret: 'client_secret',
};

const isStr = (v) => typeof v === 'string';

export class Collector {
  constructor(file = process.env.BB_SECRETS_FILE) {
    this.file = file || null;
    this.seen = new Set();
  }

  /** Records one value (empty ones are ignored); returns it. */
  add(kind, value) {
    if (value === undefined || value === null) return value;
    const text = String(value);
    if (!text) return value;
    const key = `${kind}\u0000${text}`;
    if (this.seen.has(key)) return value;
    this.seen.add(key);
    if (this.file) fs.appendFileSync(this.file, `${JSON.stringify({ kind, value: text })}\n`);
    return value;
  }

  /** Credentials and PHI in a parsed JSON document (token response, UserInfo, FHIR). */
  json(doc) {
    const stack = [doc];
    while (stack.length) {
      const node = stack.pop();
      if (Array.isArray(node)) { stack.push(...node); continue; }
      if (!node || typeof node !== 'object') continue;
      for (const [member, kind] of Object.entries(TOKEN_MEMBERS)) if (isStr(node[member])) this.add(kind, node[member]);
      for (const member of ['given_name', 'family_name']) if (isStr(node[member])) this.add('name', node[member]);
      if (isStr(node.birthdate)) this.add('birth_date', node.birthdate);
      if (node.resourceType === 'Patient') {
        for (const n of Array.isArray(node.name) ? node.name : []) {
          for (const g of Array.isArray(n?.given) ? n.given : []) this.add('name', g);
          if (isStr(n?.family)) this.add('name', n.family);
        }
        if (isStr(node.birthDate)) this.add('birth_date', node.birthDate);
      } else if (node.resourceType === 'ExplanationOfBenefit') {
        if (isStr(node.id)) this.add('claim_id', node.id);
        for (const i of Array.isArray(node.identifier) ? node.identifier : []) if (isStr(i?.value)) this.add('claim_identifier', i.value);
      }
      if (isStr(node.system) && node.system.endsWith('us-mbi') && isStr(node.value)) this.add('mbi', node.value);
      for (const v of Object.values(node)) if (v && typeof v === 'object') stack.push(v);
    }
  }

  /** A JSON text (or anything else, ignored). */
  text(body) {
    if (!isStr(body) || !/^\s*[[{]/.test(body)) return;
    try { this.json(JSON.parse(body)); } catch { /* not JSON */ }
  }

  /** What a request handed over: bearer token, Basic client secret, credential fields. */
  request(url, headers = {}, body = null) {
    const h = Object.fromEntries(Object.entries(headers || {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const [scheme, cred = ''] = (h.authorization || '').split(/\s+/, 2);
    if (/^bearer$/i.test(scheme || '')) this.add('access_token', cred);
    if (/^basic$/i.test(scheme || '')) {
      const decoded = Buffer.from(cred, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0) { try { this.add('client_secret', decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '))); } catch { this.add('client_secret', decoded.slice(i + 1)); } }
    }
    const fields = [];
    try { for (const kv of new URL(String(url)).searchParams) fields.push(kv); } catch { /* relative */ }
    if (body instanceof URLSearchParams) fields.push(...body);
    else if (isStr(body) && /x-www-form-urlencoded/.test(h['content-type'] || '')) fields.push(...new URLSearchParams(body));
    else if (isStr(body)) this.text(body);
    for (const [name, value] of fields) {
      // A six-digit `code` is a TOTP code typed into the second-step forms, not an OAuth code.
      if (name === 'code' && /^\d{6}$/.test(value)) this.add('totp_code', value);
      else if (FORM_FIELDS[name]) this.add(FORM_FIELDS[name], value);
    }
  }

  /** Values of cookies the server set (Set-Cookie header values, or {value} objects). */
  cookies(list) {
    for (const c of list || []) {
      if (isStr(c)) this.add('cookie', c.split(';', 1)[0].split('=').slice(1).join('='));
      else if (c && isStr(c.value)) this.add('cookie', c.value);
    }
  }

  /**
   * Taps `globalThis.fetch` in this process: each request's credentials, each response's
   * cookies and JSON body are recorded. Observes only (the body is read from a clone).
   */
  tapFetch() {
    if (globalThis.fetch.bbTapped) return;
    const original = globalThis.fetch;
    const self = this;
    const tapped = async function fetch(input, init = {}) {
      const url = input instanceof Request ? input.url : String(input);
      const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : (init.headers || {});
      self.request(url, headers, init.body ?? null);
      const resp = await original(input, init);
      try {
        self.cookies(resp.headers.getSetCookie?.() ?? []);
        if (/json/.test(resp.headers.get('content-type') || '')) self.text(await resp.clone().text());
      } catch { /* observing only */ }
      return resp;
    };
    tapped.bbTapped = true;
    globalThis.fetch = tapped;
  }

  /** Taps an axios instance (the SDK's default one) with interceptors that only observe. */
  tapAxios(axios) {
    axios.interceptors.request.use((config) => {
      let url = config.url || '';
      try { url = new URL(url, config.baseURL || undefined).toString(); } catch { /* as is */ }
      const headers = typeof config.headers?.toJSON === 'function' ? config.headers.toJSON() : (config.headers || {});
      const body = config.data instanceof URLSearchParams ? config.data : (isStr(config.data) ? config.data : null);
      this.request(url, headers, body);
      if (config.params && typeof config.params === 'object') {
        for (const [k, v] of Object.entries(config.params)) if (FORM_FIELDS[k]) this.add(FORM_FIELDS[k], v);
      }
      return config;
    });
    const onResponse = (resp) => {
      if (!resp) return;
      this.cookies([].concat(resp.headers?.['set-cookie'] || []));
      if (resp.data && typeof resp.data === 'object') this.json(resp.data);
      else this.text(resp.data);
    };
    axios.interceptors.response.use(
      (resp) => { onResponse(resp); return resp; },
      (error) => { onResponse(error?.response); return Promise.reject(error); },
    );
  }
}

/** The process's collector (BB_SECRETS_FILE). */
export const COLLECTOR = new Collector();
