// End-to-end compatibility flows: the official Node SDK (npm cms-bluebutton-sdk 1.0.13),
// unmodified, against a bluebutton server on http://localhost:8000 (SDK environment LOCAL).
// tests/sdk/run.sh starts the server, creates the apps and runs this script with:
//
//   BB_MAIN_CLIENT_ID / BB_MAIN_CLIENT_SECRET         THIRTEEN_MONTH app, demographics asked
//   BB_ONETIME_CLIENT_ID / BB_ONETIME_CLIENT_SECRET   ONE_TIME app
//   BB_NODEMO_CLIENT_ID / BB_NODEMO_CLIENT_SECRET     app created with --no-demographics
//   BB_CALLBACK_URL   the redirect URI all three were registered with
//   BB_SANDBOX_USERS  how many sandbox logins exist (BBUser00000...; default 120)
//
// The script plays the browser (fetch with redirect "manual", a small cookie jar and a small
// HTML tokenizer) for login and consent, and the app (the SDK) for everything else. One line
// per passed check ("ok - node: ..."), "not ok - node: ..." with expected and got for a
// failure, a summary line at the end ("N passed" counts checks, "N failed" counts flows: a
// flow stops at its first failed check); exit status 1 when any check failed. Tokens and
// secrets are never printed in full (6 characters at most).
//
// Log hygiene: every request and response of this process — the SDK's (axios, tapped with
// interceptors that only observe) and the flow's own (fetch) — is recorded by
// tests/loghygiene/collect.mjs into BB_SECRETS_FILE: tokens, codes, verifiers, client
// secrets, passwords, cookies, and the MBIs, names, birth dates and claim ids read.

import { createRequire } from "node:module";
import { BlueButton, Errors } from "cms-bluebutton-sdk";
import { COLLECTOR } from "../loghygiene/collect.mjs";

// The SDK's axios is the package's default instance (its CommonJS build requires "axios").
COLLECTOR.tapAxios(createRequire(import.meta.url)("axios"));
COLLECTOR.tapFetch();

const SDK = "node";
const BASE = "http://localhost:8000"; // what the SDK's LOCAL environment is hard-wired to
const CALLBACK = process.env.BB_CALLBACK_URL || "http://localhost:3001/api/bluebutton/callback/";
const SANDBOX_USERS = Number(process.env.BB_SANDBOX_USERS || "120");
const NO_PERMISSION = "You do not have permission to perform this action.";
const HTTP_TIMEOUT_MS = 60_000;

const PASSED = [];
const FAILED = [];
const SECRETS = new Set();

// --- reporting -------------------------------------------------------------------------------

class CheckFailed extends Error {}

function short(value) {
  if (value === undefined || value === null) return String(value);
  const s = String(value);
  return s.length > 6 ? s.slice(0, 6) + "…" : s;
}

function secret(value) {
  if (value && String(value).length > 6) SECRETS.add(String(value));
  return value;
}

function redact(text) {
  let t = String(text);
  for (const s of [...SECRETS].sort((a, b) => b.length - a.length)) {
    t = t.split(s).join(short(s));
    t = t.split(encodeURIComponent(s)).join(short(s));
  }
  return t;
}

function show(v) {
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function ok(name) {
  PASSED.push(name);
  console.log(`ok - ${SDK}: ${name}`);
}

function check(cond, name, expected, got) {
  if (!cond) throw new CheckFailed(`${name}: expected ${expected}; got ${redact(typeof got === "string" ? got : show(got))}`);
  ok(name);
}

function checkEq(got, expected, name) {
  const same = typeof expected === "object" ? show(got) === show(expected) : got === expected;
  check(same, name, show(expected), show(got));
}

function bodyText(data, limit = 300) {
  let t = typeof data === "string" ? data : show(data);
  t = (t || "").split(/\s+/).join(" ");
  return redact(t.length > limit ? t.slice(0, limit) + "…" : t);
}

// An axios response (as the SDK returns it, even for 4xx) or a fetch-like {status, data, url}.
function checkStatus(resp, expected, name) {
  if (!resp) throw new CheckFailed(`${name}: expected HTTP ${expected}; got no response`);
  check(
    resp.status === expected,
    name,
    `HTTP ${expected}`,
    `HTTP ${resp.status} for ${resp.config?.url ?? resp.url}: ${bodyText(resp.data)}`,
  );
}

async function expectAxiosError(fn, status, error, name) {
  let value;
  try {
    value = await fn();
  } catch (e) {
    const r = e.response;
    if (!r) throw new CheckFailed(`${name}: expected an HTTP ${status} error; got ${e.name}: ${redact(e.message)}`);
    const gotError = r.data && typeof r.data === "object" ? r.data.error : `<not JSON: ${bodyText(r.data)}>`;
    check(
      r.status === status && (error === null || gotError === error),
      name,
      `error HTTP ${status} with error=${show(error)}`,
      `HTTP ${r.status} with error=${show(gotError)}: ${bodyText(r.data)}`,
    );
    return;
  }
  throw new CheckFailed(`${name}: expected HTTP ${status} (${error}); got no error (${short(value?.accessToken)})`);
}

// --- a tiny HTML tokenizer (no regular expressions) --------------------------------------------

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(s) {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c !== "&") {
      out += c;
      i++;
      continue;
    }
    const semi = s.indexOf(";", i);
    if (semi < 0 || semi - i > 10) {
      out += c;
      i++;
      continue;
    }
    const name = s.slice(i + 1, semi);
    let rep = null;
    if (name.startsWith("#x") || name.startsWith("#X")) rep = String.fromCodePoint(parseInt(name.slice(2), 16));
    else if (name.startsWith("#")) rep = String.fromCodePoint(parseInt(name.slice(1), 10));
    else if (Object.hasOwn(ENTITIES, name)) rep = ENTITIES[name];
    if (rep === null || rep === undefined || Number.isNaN(rep.codePointAt(0))) {
      out += c;
      i++;
      continue;
    }
    out += rep;
    i = semi + 1;
  }
  return out;
}

const isSpace = (c) => c === " " || c === "\n" || c === "\t" || c === "\r" || c === "\f";
const isNameChar = (c) => c !== undefined && !isSpace(c) && c !== ">" && c !== "/" && c !== "=";

// Returns { forms: [{attrs, fields: [{tag, attrs}]}], ids: Map(id → {tag, attrs}), lang, text }.
function parseHtml(html) {
  const page = { forms: [], ids: new Map(), lang: null, text: "" };
  const text = [];
  let form = null;
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf("<", i);
    if (lt < 0) {
      text.push(html.slice(i));
      break;
    }
    text.push(html.slice(i, lt));
    i = lt;
    if (html.startsWith("<!--", i)) {
      const end = html.indexOf("-->", i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (html[i + 1] === "!" || html[i + 1] === "?") {
      const end = html.indexOf(">", i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = html[i + 1] === "/";
    let j = i + (closing ? 2 : 1);
    let tag = "";
    while (j < n && isNameChar(html[j])) tag += html[j++];
    tag = tag.toLowerCase();
    if (!tag) {
      text.push("<");
      i++;
      continue;
    }
    // attributes
    const attrs = {};
    while (j < n && html[j] !== ">") {
      if (isSpace(html[j]) || html[j] === "/") {
        j++;
        continue;
      }
      let name = "";
      while (j < n && isNameChar(html[j])) name += html[j++];
      if (!name) {
        j++;
        continue;
      }
      while (j < n && isSpace(html[j])) j++;
      let value = "";
      if (html[j] === "=") {
        j++;
        while (j < n && isSpace(html[j])) j++;
        const q = html[j];
        if (q === '"' || q === "'") {
          const end = html.indexOf(q, j + 1);
          value = html.slice(j + 1, end < 0 ? n : end);
          j = end < 0 ? n : end + 1;
        } else {
          while (j < n && !isSpace(html[j]) && html[j] !== ">") value += html[j++];
        }
      }
      name = name.toLowerCase();
      if (!Object.hasOwn(attrs, name)) attrs[name] = decodeEntities(value);
    }
    i = j + 1;
    if (closing) {
      if (tag === "form") form = null;
      continue;
    }
    // A button's label (plain text up to the next tag).
    let label = "";
    if (tag === "button") {
      const next = html.indexOf("<", i);
      label = decodeEntities(html.slice(i, next < 0 ? n : next)).trim();
    }
    if (Object.hasOwn(attrs, "id")) page.ids.set(attrs.id, { tag, attrs, label });
    if (tag === "html") page.lang = attrs.lang ?? null;
    else if (tag === "form") {
      form = { attrs, fields: [] };
      page.forms.push(form);
    } else if (["input", "button", "select", "textarea"].includes(tag)) {
      if (form) form.fields.push({ tag, attrs });
    }
    if (tag === "script" || tag === "style" || tag === "textarea" || tag === "title") {
      const end = html.toLowerCase().indexOf(`</${tag}`, i);
      if (tag === "title") text.push(html.slice(i, end < 0 ? n : end));
      i = end < 0 ? n : end;
    }
  }
  page.text = decodeEntities(text.join(" ")).split(/\s+/).join(" ").trim();
  return page;
}

function describe(page) {
  const t = page.text.length > 400 ? page.text.slice(0, 400) + "…" : page.text;
  return `HTTP ${page.status} ${new URL(page.url).pathname}: ${redact(t)}`;
}

function formWith(page, predicate) {
  return page.forms.find((f) => f.fields.some(predicate)) ?? null;
}

function hiddenFields(form) {
  const data = {};
  for (const { tag, attrs } of form.fields) {
    if (tag === "input" && (attrs.type || "text").toLowerCase() === "hidden" && attrs.name) data[attrs.name] = attrs.value ?? "";
  }
  return data;
}

// --- the browser -----------------------------------------------------------------------------

class Browser {
  constructor(headers = {}) {
    this.jar = new Map(); // name → value (one host: localhost:8000)
    this.headers = {
      "user-agent": "Mozilla/5.0 (bluebutton SDK compatibility suite)",
      accept: "text/html,application/xhtml+xml,*/*;q=0.8",
      ...headers,
    };
  }

  keep(resp) {
    for (const line of resp.headers.getSetCookie()) {
      const parts = line.split(";");
      const pair = parts[0];
      const eq = pair.indexOf("=");
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let gone = false;
      for (const attr of parts.slice(1)) {
        const [k, v = ""] = attr.split("=");
        const key = k.trim().toLowerCase();
        if (key === "max-age" && Number(v.trim()) <= 0) gone = true;
        if (key === "expires" && Date.parse(v.trim()) < Date.now()) gone = true;
      }
      if (gone) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(method, url, form) {
    const headers = { ...this.headers };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const init = { method, headers, redirect: "manual", signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) };
    if (form) {
      init.body = new URLSearchParams(form);
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const resp = await fetch(url, init);
    this.keep(resp);
    return { status: resp.status, url, location: resp.headers.get("location"), body: await resp.text() };
  }

  // Follows redirects (GET) until a page, or the app's callback (recorded in journey).
  async follow(resp, journey) {
    for (let k = 0; k < 10; k++) {
      if (![301, 302, 303, 307, 308].includes(resp.status)) return resp;
      if (!resp.location) throw new CheckFailed(`browser: HTTP ${resp.status} without Location at ${resp.url}`);
      const target = new URL(resp.location, resp.url).toString();
      if (target.startsWith(CALLBACK)) {
        journey.callback = target;
        journey.query = new URL(target).searchParams;
        secret(COLLECTOR.add("authorization_code", journey.query.get("code")));
        return null;
      }
      resp = await this.request("GET", target);
    }
    throw new CheckFailed("browser: more than 10 redirects");
  }

  // authorize URL → login page → consent page → approve|deny → callback URL.
  async journey(authorizeUrl, [username, password], { decision = "approve", share = true } = {}) {
    const j = { login: null, consent: null, callback: null, query: new URLSearchParams() };
    let resp = await this.follow(await this.request("GET", authorizeUrl), j);
    if (!resp) return j;
    let page = { ...parseHtml(resp.body), status: resp.status, url: resp.url, html: resp.body };
    let path = new URL(resp.url).pathname;
    if (resp.status !== 200 || path.replace(/\/$/, "") !== "/mymedicare/login") {
      throw new CheckFailed(`browser: expected the sandbox login page (200 /mymedicare/login?flow=…) after the authorize URL; got ${describe(page)}`);
    }
    j.login = page;
    let form = formWith(page, (f) => f.attrs.name === "username" || f.attrs.id === "username-textbox");
    if (!form) throw new CheckFailed(`browser: no login form with a username field on ${describe(page)}`);
    if ((form.attrs.method || "get").toLowerCase() !== "post") throw new CheckFailed(`browser: login form method is ${form.attrs.method}, expected post`);
    let data = { ...hiddenFields(form), username, password };
    resp = await this.follow(await this.request("POST", new URL(form.attrs.action || resp.url, resp.url).toString(), data), j);
    if (!resp) return j;
    page = { ...parseHtml(resp.body), status: resp.status, url: resp.url, html: resp.body };
    path = new URL(resp.url).pathname;
    const uuidPath = path.startsWith("/v2/o/authorize/") && path.slice("/v2/o/authorize/".length).replace(/\/$/, "").length === 36;
    if (resp.status !== 200 || !uuidPath) {
      throw new CheckFailed(`browser: expected the consent page (200 /v2/o/authorize/<uuid>/) after logging in as ${username}; got ${describe(page)}`);
    }
    j.consent = page;
    form = formWith(page, (f) => ["approve", "deny"].includes(f.attrs.id) || ["action", "csrf_token"].includes(f.attrs.name));
    if (!form) throw new CheckFailed(`browser: no consent form on ${describe(page)}`);
    data = { ...hiddenFields(form), action: decision };
    if (share && decision === "approve") data.share_demographic_scopes = "on";
    resp = await this.request("POST", new URL(form.attrs.action || resp.url, resp.url).toString(), data);
    if (![302, 303].includes(resp.status)) {
      throw new CheckFailed(`browser: expected a 302 to the app after ${decision}; got ${describe({ ...parseHtml(resp.body), status: resp.status, url: resp.url })}`);
    }
    await this.follow(resp, j);
    if (!j.callback) throw new CheckFailed(`browser: the ${decision} redirect did not reach ${CALLBACK}`);
    return j;
  }
}

// --- SDK and raw helpers -----------------------------------------------------------------------

function envApp(prefix) {
  const clientId = process.env[`BB_${prefix}_CLIENT_ID`];
  const clientSecret = process.env[`BB_${prefix}_CLIENT_SECRET`];
  if (!clientId || !clientSecret) {
    console.error(`${SDK}: BB_${prefix}_CLIENT_ID and BB_${prefix}_CLIENT_SECRET must be set (run tests/sdk/run.sh)`);
    process.exit(2);
  }
  secret(clientSecret);
  return { clientId, clientSecret };
}

function makeBb(app) {
  return new BlueButton({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    callbackUrl: CALLBACK,
    environment: "LOCAL",
    version: "2",
  });
}

const user = (i) => [`BBUser${String(i).padStart(5, "0")}`, `PW${String(i).padStart(5, "0")}!`];

function track(token) {
  secret(token.accessToken);
  secret(token.refreshToken);
  return token;
}

async function authorize(bb, who, { decision = "approve", share = true, lang = null, headers = {}, extra = "" } = {}) {
  const authData = bb.generateAuthData();
  secret(authData.verifier);
  let url = bb.generateAuthorizeUrl(authData);
  if (lang) url += `&lang=${lang}`;
  url += extra;
  const j = await new Browser(headers).journey(url, who, { decision, share });
  return { authData, j };
}

async function authorizeAndExchange(bb, who, opts = {}) {
  const { authData, j } = await authorize(bb, who, opts);
  if (!j.query.get("code")) throw new CheckFailed(`expected ?code= on the callback after approving; got ${redact(j.callback)}`);
  return track(await bb.getAuthorizationToken(authData, j.query.get("code"), j.query.get("state"), j.query.get("error") ?? undefined));
}

async function rawGet(path, accessToken) {
  const r = await fetch(BASE + path, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  const text = await r.text();
  return { status: r.status, url: BASE + path, data: text };
}

const scopes = (t) => (Array.isArray(t.scope) ? t.scope : String(t.scope ?? "").split(" ").filter(Boolean));
const hasDemographicScope = (t) => scopes(t).some((s) => s.startsWith("patient/Patient.") || s === "profile");
const entryIds = (b) => (b?.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const nextLink = (b) => (b?.link ?? []).find((l) => l.relation === "next")?.url ?? null;
const alnum40 = (s) => typeof s === "string" && s.length === 40 && [...s].every((c) => (c >= "0" && c <= "9") || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));
const base64url = (s, len) => typeof s === "string" && s.length === len && [...s].every((c) => (c >= "0" && c <= "9") || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "-" || c === "_");

// --- the flows -------------------------------------------------------------------------------

const STATE = {};

async function flowPickUser() {
  const bb = makeBb(STATE.main);
  let best = null;
  for (let i = 0; i < Math.min(SANDBOX_USERS, 40); i++) {
    const tok = await authorizeAndExchange(bb, user(i));
    const r = (await bb.getExplanationOfBenefitData(tok)).response;
    if (r?.status !== 200) throw new CheckFailed(`EOB search for ${user(i)[0]}: expected HTTP 200; got ${r?.status}: ${bodyText(r?.data)}`);
    const total = r.data.total;
    if (!best || total > best.total) best = { i, total, tok };
    if (total > 25) break;
  }
  check(best.total > 10, `picked sandbox user ${user(best.i)[0]} (EOB total ${best.total})`, "an EOB total > 10", best.total);
  STATE.user = user(best.i);
  STATE.eobTotal = best.total;
  STATE.firstToken = best.tok;
}

async function flowAuthorize() {
  const bb = makeBb(STATE.main);
  const authData = bb.generateAuthData();
  secret(authData.verifier);
  check(
    base64url(authData.state, 43) && base64url(authData.codeChallenge, 43) && base64url(authData.verifier, 43),
    "the SDK's state, verifier and challenge are unpadded base64url (43 characters)",
    "43 characters each",
    { state: authData.state.length, codeChallenge: authData.codeChallenge.length, verifier: authData.verifier.length },
  );
  const url = bb.generateAuthorizeUrl(authData);
  check(url.startsWith(`${BASE}/v2/o/authorize?`), "authorize URL has no trailing slash", `${BASE}/v2/o/authorize?…`, url.slice(0, 60));
  check(url.includes(`&redirect_uri=${CALLBACK}&`), "authorize URL carries the redirect_uri unencoded", `redirect_uri=${CALLBACK}`, url.slice(0, 120));
  const j = await new Browser().journey(url, STATE.user);
  checkEq(j.login.lang, "en", "login page is English by default (html lang)");
  checkEq(j.consent.lang, "en", "consent page is English by default (html lang)");
  const missing = ["username-textbox", "password-textbox", "login-button"].filter((id) => !j.login.ids.has(id));
  check(missing.length === 0, "login page has ids username-textbox, password-textbox, login-button", "all three", `missing ${missing}`);
  const missingConsent = ["approve", "deny"].filter((id) => !j.consent.ids.has(id));
  check(missingConsent.length === 0, "consent page has ids approve and deny", "both", `missing ${missingConsent}`);
  STATE.approveLabelEn = j.consent.ids.get("approve")?.label;
  checkEq(j.query.get("state"), authData.state, "callback state equals the state sent");
  const code = j.query.get("code");
  check(alnum40(code), "authorization code is 40 alphanumerics (design)", "40 alphanumerics", `${(code ?? "").length} characters`);
  const before = Date.now();
  const tok = track(await bb.getAuthorizationToken(authData, code, j.query.get("state"), j.query.get("error") ?? undefined));
  check(alnum40(tok.accessToken), "token exchange (urlencoded, secret in body) gives a 40-alphanumeric access token", "40 alphanumerics", short(tok.accessToken));
  check(tok.refreshToken && tok.refreshToken !== tok.accessToken, "token has a refresh token distinct from the access token", "a refresh token", short(tok.refreshToken));
  checkEq(tok.tokenType, "Bearer", "tokenType is Bearer");
  checkEq(tok.expiresIn, 3600, "expiresIn is 3600");
  check(typeof tok.patient === "string" && tok.patient.length > 0, "token names the patient", "a FHIR patient id", tok.patient);
  check(
    typeof tok.expiresAt === "number" && tok.expiresAt >= before + 3590_000 && tok.expiresAt <= Date.now() + 3600_000,
    "expiresAt is now + 3600 s in milliseconds (no expires_at in the token response)",
    "≈ Date.now() + 3,600,000",
    tok.expiresAt,
  );
  const sc = scopes(tok);
  check(typeof tok.scope === "string", "scope is a space-separated string", "a string", typeof tok.scope);
  for (const want of ["patient/Patient.", "patient/Coverage.", "patient/ExplanationOfBenefit."]) {
    check(sc.some((s) => s.startsWith(want)), `scope includes ${want}*`, `${want}*`, tok.scope);
  }
  check(sc.includes("profile"), "scope includes profile (demographics shared)", "profile", tok.scope);
  STATE.token = tok;
  checkStatus(await rawGet("/v2/fhir/Patient/", STATE.firstToken.accessToken), 401, "a new consent revokes the earlier token of the same enrollee and app");
}

async function flowSpanish() {
  const bb = makeBb(STATE.main);
  const { authData, j } = await authorize(bb, STATE.user, { lang: "es" });
  checkEq(j.login.lang, "es", "lang=es: the login page is Spanish (html lang)");
  checkEq(j.consent.lang, "es", "lang=es: the consent page is Spanish (html lang)");
  const es = j.consent.ids.get("approve")?.label;
  check(
    es && STATE.approveLabelEn && es !== STATE.approveLabelEn,
    "lang=es: the approve button's label is not the English one",
    `a label other than ${show(STATE.approveLabelEn)}`,
    es,
  );
  const tok = track(await bb.getAuthorizationToken(authData, j.query.get("code"), j.query.get("state"), undefined));
  checkStatus((await bb.getPatientData(tok)).response, 200, "lang=es: approving still issues a working token");
  const { j: j2 } = await authorize(bb, STATE.user, { decision: "deny", headers: { "accept-language": "es-MX,es;q=0.9,en;q=0.8" } });
  checkEq(j2.consent.lang, "es", "Accept-Language: es-MX gives the Spanish consent page");
  const { j: j3 } = await authorize(bb, STATE.user, { lang: "en", decision: "deny", headers: { "accept-language": "es" } });
  checkEq(j3.consent.lang, "en", "lang=en wins over Accept-Language: es");
}

async function flowFhirReads() {
  const bb = makeBb(STATE.main);
  let tok = STATE.token;
  const pid = tok.patient;
  let res = await bb.getPatientData(tok);
  tok = res.token;
  let r = res.response;
  checkStatus(r, 200, "getPatientData: 200");
  let b = r.data;
  check(b?.resourceType === "Bundle" && b?.type === "searchset" && Array.isArray(b?.link), "Patient search is a searchset Bundle with link", "Bundle/searchset with link", { resourceType: b?.resourceType, type: b?.type });
  checkEq(b.total, 1, "Patient search total is 1");
  checkEq(b.entry?.[0]?.resource?.id, pid, "Patient entry[0].resource.id is the token's patient");

  r = (await bb.getCoverageData(tok)).response;
  checkStatus(r, 200, "getCoverageData: 200");
  b = r.data;
  const covs = (b?.entry ?? []).map((e) => e.resource);
  check(covs.length >= 1 && covs.every((c) => c.resourceType === "Coverage"), "Coverage search returns the enrollee's Coverage resources", "≥ 1 Coverage", { total: b?.total });
  checkEq([...new Set(covs.map((c) => c.beneficiary?.reference))], [`Patient/${pid}`], "every Coverage.beneficiary is the token's patient");

  r = (await bb.getExplanationOfBenefitData(tok)).response;
  checkStatus(r, 200, "getExplanationOfBenefitData: 200");
  b = r.data;
  checkEq(b.total, STATE.eobTotal, "EOB search total is the same as when the user was picked");
  checkEq((b.entry ?? []).length, Math.min(10, b.total), "EOB search's default page size is 10");
  checkEq([...new Set((b.entry ?? []).map((e) => e.resource.patient?.reference))], [`Patient/${pid}`], "every EOB.patient is the token's patient");
  const nxt = nextLink(b);
  check(nxt && nxt.startsWith(`${BASE}/v2/fhir/ExplanationOfBenefit`), "EOB next link is absolute on the client's base (http://localhost:8000)", `${BASE}/v2/fhir/ExplanationOfBenefit…`, nxt);

  r = (await bb.getProfileData(tok)).response;
  checkStatus(r, 200, "getProfileData (userinfo): 200");
  checkEq(r.data.sub, pid, "userinfo sub is the patient");
  checkEq(r.data.patient, pid, "userinfo patient is the patient");

  r = (await bb.getCustomData(`fhir/Patient/${pid}`, tok)).response;
  checkStatus(r, 200, "getCustomData fhir/Patient/<id> (read by id): 200");
  check(r.data.resourceType === "Patient" && r.data.id === pid, "read by id returns the Patient", `Patient/${pid}`, `${r.data.resourceType}/${r.data.id}`);
  r = (await bb.getCustomData(`${BASE}/v2/fhir/ExplanationOfBenefit?_count=3`, tok)).response;
  checkStatus(r, 200, "getCustomData with an absolute URL and query: 200");
  checkEq((r.data.entry ?? []).length, Math.min(3, STATE.eobTotal), "…honours _count=3");
}

async function flowPaging() {
  const bb = makeBb(STATE.main);
  const tok = STATE.token;
  const total = STATE.eobTotal;

  let r = (await bb.getExplanationOfBenefitData(tok)).response;
  checkStatus(r, 200, "EOB search (default size): 200");
  let res = await bb.getPages(r.data, tok);
  checkEq(res.pages.length, Math.ceil(total / 10), `getPages at the default size: ceil(${total}/10) pages`);
  let ids = res.pages.flatMap(entryIds);
  check(ids.length === total && new Set(ids).size === total, "default paging: every EOB exactly once", `${total} distinct`, `${ids.length} entries, ${new Set(ids).size} distinct`);

  r = (await bb.getExplanationOfBenefitData(tok, { params: { _count: 5 } })).response;
  checkStatus(r, 200, "EOB search with params {_count: 5}: 200");
  checkEq((r.data.entry ?? []).length, Math.min(5, total), "_count=5 gives 5 entries on the first page");
  res = await bb.getPages(r.data, tok);
  const pages = res.pages;
  check(pages.every((p) => p?.resourceType === "Bundle"), "getPages returns only Bundles", "Bundles", pages.map((p) => p?.resourceType ?? typeof p));
  checkEq(pages.length, Math.ceil(total / 5), `getPages with _count=5: ceil(${total}/5) pages`);
  const sizes = pages.map((p) => (p.entry ?? []).length);
  check(sizes.every((s) => s <= 5), "no page holds more than 5 entries", "≤ 5 each", sizes);
  ids = pages.flatMap(entryIds);
  checkEq(ids.length, total, "the pages' entries add up to Bundle.total");
  checkEq(new Set(ids).size, ids.length, "no EOB appears on two pages");
  checkEq(nextLink(pages.at(-1)), null, "the last page has no next link");
  check(res.token === tok, "getPages kept the (unexpired) token", "the same token", short(res.token?.accessToken));
}

async function flowSecondAuthorization() {
  const bb = makeBb(STATE.main);
  const tok1 = await authorizeAndExchange(bb, STATE.user);
  checkStatus((await bb.getPatientData(tok1)).response, 200, "a FHIR call with the first token: 200");
  const tok2 = await authorizeAndExchange(bb, STATE.user);
  check(tok2.accessToken !== tok1.accessToken, "a second authorization issues a new access token", "a different token", short(tok2.accessToken));
  checkStatus((await bb.getExplanationOfBenefitData(tok2)).response, 200, "the second token reads EOBs");
  checkStatus((await bb.getExplanationOfBenefitData(tok1)).response, 401, "the first token is revoked by the new consent (one token set)");
}

async function flowSampleAppScope() {
  // CMS's Node sample app appends this to the SDK's authorize URL.
  const bb = makeBb(STATE.main);
  const { authData, j } = await authorize(bb, STATE.user, { extra: "&scope=patient%2FExplanationOfBenefit.rs" });
  const box = j.consent.forms.flatMap((f) => f.fields).filter((f) => f.attrs.name === "share_demographic_scopes");
  check(box.length === 0, "scope=patient/ExplanationOfBenefit.rs: no demographics checkbox", "no checkbox", box);
  const tok = track(await bb.getAuthorizationToken(authData, j.query.get("code"), j.query.get("state"), undefined));
  checkEq(tok.scope, "patient/ExplanationOfBenefit.rs", "the token's scope is the one requested");
  const r = (await bb.getExplanationOfBenefitData(tok)).response;
  checkStatus(r, 200, "scope .rs: EOB search 200");
  checkEq(r.data.total, STATE.eobTotal, "…with every EOB");
  const id = r.data.entry?.[0]?.resource?.id;
  checkStatus((await bb.getCustomData(`fhir/ExplanationOfBenefit/${id}`, tok)).response, 200, "scope .rs: EOB read by id 200");
  checkStatus((await bb.getPatientData(tok)).response, 403, "scope .rs: Patient search 403");
  checkStatus((await bb.getCoverageData(tok)).response, 403, "scope .rs: Coverage search 403");
  checkStatus((await bb.getProfileData(tok)).response, 403, "scope .rs: userinfo 403");
}

async function flowRefresh() {
  const bb = makeBb(STATE.main);
  const old = await authorizeAndExchange(bb, STATE.user);
  const fresh = track(await bb.refreshAuthToken(old));
  check(fresh.accessToken && fresh.accessToken !== old.accessToken, "refreshAuthToken (Basic + client_id in body) issues a new access token", "a new access token", short(fresh.accessToken));
  check(fresh.refreshToken && fresh.refreshToken !== old.refreshToken, "refresh rotates the refresh token", "a new refresh token", short(fresh.refreshToken));
  checkEq(fresh.patient, old.patient, "refreshed token names the same patient");
  checkEq(fresh.expiresIn, 3600, "refreshed token's expiresIn is 3600");
  checkEq(scopes(fresh).sort(), scopes(old).sort(), "refresh keeps the granted scopes");
  const r = (await bb.getPatientData(fresh)).response;
  checkStatus(r, 200, "the refreshed access token reads Patient");
  checkEq(r.data.entry?.[0]?.resource?.id, old.patient, "…the same patient");
  checkStatus((await bb.getPatientData(old)).response, 401, "the old access token gets 401 after refresh");
  await expectAxiosError(() => bb.refreshAuthToken(old), 400, "invalid_grant", "reusing the old refresh token → 400 invalid_grant");
}

async function flowLocalExpiry() {
  const bb = makeBb(STATE.main);
  const tok = await authorizeAndExchange(bb, STATE.user);
  tok.expiresAt = Date.now() - 60_000;
  const res = await bb.getPatientData(tok);
  const fresh = track(res.token);
  check(fresh !== tok && fresh.accessToken !== tok.accessToken, "getPatientData on an expired token refreshes automatically and returns the new token", "a new token in result.token", short(fresh.accessToken));
  checkStatus(res.response, 200, "…and the call succeeds with it");
  check(fresh.expiresAt > Date.now() + 3500_000, "the new token's expiresAt is an hour ahead", "> now + 3500 s", fresh.expiresAt);
  checkStatus(await rawGet("/v2/fhir/Patient/", tok.accessToken), 401, "the replaced access token gets 401");
  const res2 = await bb.getCoverageData(fresh);
  check(res2.token === fresh, "a further call with the live token does not refresh", "the same token", short(res2.token?.accessToken));
  checkStatus(res2.response, 200, "…and reads Coverage");
}

async function flowDeny() {
  const bb = makeBb(STATE.main);
  const { authData, j } = await authorize(bb, STATE.user, { decision: "deny" });
  checkEq(j.query.get("error"), "access_denied", "deny redirects to the callback with error=access_denied");
  checkEq(j.query.get("state"), authData.state, "…and the state");
  checkEq(j.query.get("code"), null, "…and no code");
  try {
    await bb.getAuthorizationToken(authData, j.query.get("code") ?? undefined, j.query.get("state"), j.query.get("error"));
  } catch (e) {
    checkEq(e.message, Errors.CALLBACK_ACCESS_DENIED, "getAuthorizationToken throws the SDK's access-denied error");
    return;
  }
  throw new CheckFailed("getAuthorizationToken after deny: expected it to throw; got a token");
}

async function flowOptOut() {
  const bb = makeBb(STATE.main);
  const tok = await authorizeAndExchange(bb, STATE.user, { share: false });
  check(!hasDemographicScope(tok), "opting out of demographics drops patient/Patient.* and profile from the scope", "no Patient/profile scope", tok.scope);
  check(scopes(tok).some((s) => s.startsWith("patient/ExplanationOfBenefit.")), "…and keeps EOB", "patient/ExplanationOfBenefit.*", tok.scope);
  let r = (await bb.getPatientData(tok)).response;
  checkStatus(r, 403, "opted out: Patient search 403");
  checkEq(r.data?.detail, NO_PERMISSION, "…with BB2's permission detail");
  checkStatus((await bb.getProfileData(tok)).response, 403, "opted out: userinfo 403");
  checkStatus((await bb.getCoverageData(tok)).response, 200, "opted out: Coverage 200");
  checkStatus((await bb.getExplanationOfBenefitData(tok)).response, 200, "opted out: EOB 200");
}

async function flowNoDemographicsApp() {
  const bb = makeBb(STATE.nodemo);
  const { authData, j } = await authorize(bb, STATE.user, { share: true });
  const box = j.consent.forms.flatMap((f) => f.fields).filter((f) => f.attrs.name === "share_demographic_scopes");
  check(box.length === 0, "app without demographics: no share_demographic_scopes checkbox", "no checkbox", box);
  const tok = track(await bb.getAuthorizationToken(authData, j.query.get("code"), j.query.get("state"), undefined));
  check(!hasDemographicScope(tok), "app without demographics: no Patient/profile scope even when the checkbox is posted", "no Patient/profile scope", tok.scope);
  checkStatus((await bb.getPatientData(tok)).response, 403, "app without demographics: Patient 403");
  checkStatus((await bb.getProfileData(tok)).response, 403, "app without demographics: userinfo 403");
  checkStatus((await bb.getExplanationOfBenefitData(tok)).response, 200, "app without demographics: EOB 200");
}

async function flowRevoke() {
  const app = STATE.main;
  const bb = makeBb(app);
  const tok = await authorizeAndExchange(bb, STATE.user);
  checkStatus((await bb.getPatientData(tok)).response, 200, "before revoke: Patient 200");
  const basic = Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString("base64");
  const r = await fetch(`${BASE}/v2/o/revoke/`, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: tok.refreshToken }),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  checkStatus({ status: r.status, url: r.url, data: await r.text() }, 200, "POST /v2/o/revoke/ (Basic, refresh token): 200");
  const res = await bb.getPatientData(tok);
  checkStatus(res.response, 401, "revoked grant: the SDK's FHIR call gets 401");
  check(res.token === tok, "…and the SDK does not refresh on a 401", "the same token back", short(res.token?.accessToken));
  await expectAxiosError(() => bb.refreshAuthToken(tok), 400, "invalid_grant", "revoke ended the grant: refresh → 400 invalid_grant");
}

async function flowOneTime() {
  const bb = makeBb(STATE.onetime);
  const tok = await authorizeAndExchange(bb, STATE.user);
  checkStatus((await bb.getExplanationOfBenefitData(tok)).response, 200, "ONE_TIME app: EOB 200");
  await expectAxiosError(() => bb.refreshAuthToken(tok), 403, "invalid_client", "ONE_TIME app: refresh → 403 invalid_client");
}

const FLOWS = [
  ["pick a sandbox user with several EOB pages", flowPickUser, true],
  ["authorize, login, approve, exchange", flowAuthorize, true],
  ["Patient, Coverage, EOB, userinfo, custom", flowFhirReads, false],
  ["getPages", flowPaging, false],
  ["Spanish pages", flowSpanish, false],
  ["second authorization", flowSecondAuthorization, false],
  ["the sample app's scope parameter", flowSampleAppScope, false],
  ["explicit refresh", flowRefresh, false],
  ["automatic refresh on local expiry", flowLocalExpiry, false],
  ["deny", flowDeny, false],
  ["demographics opt-out", flowOptOut, false],
  ["app without demographics", flowNoDemographicsApp, false],
  ["revoke", flowRevoke, false],
  ["ONE_TIME app", flowOneTime, false],
];

async function main() {
  STATE.main = envApp("MAIN");
  STATE.onetime = envApp("ONETIME");
  STATE.nodemo = envApp("NODEMO");
  console.log(`# ${SDK}: cms-bluebutton-sdk (npm) against ${BASE}`);
  for (const [title, fn, essential] of FLOWS) {
    console.log(`# ${SDK}: ${title}`);
    try {
      await fn();
    } catch (e) {
      FAILED.push(title);
      if (e instanceof CheckFailed) {
        console.log(`not ok - ${SDK}: ${title}: ${redact(e.message)}`);
      } else {
        let detail = `${e?.name}: ${e?.message}`;
        if (e?.config?.url) detail += ` (${String(e.config.method).toUpperCase()} ${e.config.url})`;
        if (e?.response) detail += ` — HTTP ${e.response.status} ${bodyText(e.response.data)}`;
        console.log(`not ok - ${SDK}: ${title}: unexpected ${redact(detail)}`);
        const stack = String(e?.stack ?? "").split("\n").slice(1, 5).join("\n");
        console.log(redact(stack).split("\n").map((l) => `#   ${l.trim()}`).join("\n"));
      }
      if (essential) {
        console.log(`# ${SDK}: stopping: the flows below need this one`);
        break;
      }
    }
  }
  console.log(`${SDK}: ${PASSED.length} passed, ${FAILED.length} failed`);
  process.exitCode = FAILED.length ? 1 : 0;
}

await main();
