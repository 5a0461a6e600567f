#!/usr/bin/env python3
"""End-to-end compatibility flows: the official Python SDK (PyPI cms-bluebutton-sdk 1.1.0,
import cms_bluebutton), unmodified, against a bluebutton server on http://localhost:8000
(SDK environment LOCAL). tests/sdk/run.sh starts the server, creates the apps and calls this
script with their credentials in the environment:

  BB_MAIN_CLIENT_ID / BB_MAIN_CLIENT_SECRET         THIRTEEN_MONTH app, demographics asked
  BB_ONETIME_CLIENT_ID / BB_ONETIME_CLIENT_SECRET   ONE_TIME app
  BB_NODEMO_CLIENT_ID / BB_NODEMO_CLIENT_SECRET     app created with --no-demographics
  BB_CALLBACK_URL   the redirect URI all three were registered with
  BB_SANDBOX_USERS  how many sandbox logins exist (BBUser00000...; default 120)

The script plays the browser (a cookie-keeping requests.Session and html.parser) for login
and consent, and the app (the SDK) for everything else. One line per passed check
("ok - python: ..."), "not ok - python: ..." with expected and got for a failure, a summary
line at the end ("N passed" counts checks, "N failed" counts flows: a flow stops at its
first failed check); exit status 1 when any check failed. Tokens and secrets are never printed
in full (6 characters at most).

Log hygiene: every request and response of this process (the SDK's and the browser's, all
through `requests`) is recorded by tests/loghygiene/collect.py into BB_SECRETS_FILE:
tokens, codes, verifiers, client secrets, passwords, cookies, and the MBIs, names, birth
dates and claim ids read.
"""

import datetime
import math
import os
import re
import sys
import traceback
import urllib.parse
from html.parser import HTMLParser

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "loghygiene"))
import collect  # noqa: E402  (tests/loghygiene/collect.py: the log-hygiene collector)

import cms_bluebutton
from cms_bluebutton import BlueButton
from cms_bluebutton import constants as bb_constants

SDK = "python"
BASE = "http://localhost:8000"  # what the SDK's LOCAL environment is hard-wired to
CALLBACK = os.environ.get("BB_CALLBACK_URL", "http://localhost:3001/api/bluebutton/callback/")
SANDBOX_USERS = int(os.environ.get("BB_SANDBOX_USERS", "120"))
HTTP_TIMEOUT = 60
NO_PERMISSION = "You do not have permission to perform this action."

PASSED = []
FAILED = []
SECRETS = set()


# --- reporting ---------------------------------------------------------------------------


class CheckFailed(Exception):
    pass


def short(value):
    """A token or secret as it may be printed: its first 6 characters."""
    if value is None:
        return "None"
    value = str(value)
    return value[:6] + "…" if len(value) > 6 else value


def secret(value):
    """Remember a value that must never be printed in full; returns it."""
    if value and len(str(value)) > 6:
        SECRETS.add(str(value))
    return value


def redact(text):
    text = str(text)
    for s in sorted(SECRETS, key=len, reverse=True):
        text = text.replace(s, short(s))
        text = text.replace(urllib.parse.quote(s, safe=""), short(s))
    return text


def ok(name):
    PASSED.append(name)
    print(f"ok - {SDK}: {name}", flush=True)


def check(cond, name, expected, got):
    if not cond:
        raise CheckFailed(f"{name}: expected {expected}; got {redact(got)}")
    ok(name)


def check_eq(got, expected, name):
    check(got == expected, name, repr(expected), repr(got))


def body_of(resp, limit=300):
    try:
        text = resp.text
    except Exception:  # noqa: BLE001
        return "<no body>"
    text = " ".join(text.split())
    return redact(text[:limit] + ("…" if len(text) > limit else ""))


def json_of(resp, what):
    try:
        return resp.json()
    except ValueError:
        raise CheckFailed(
            f"{what}: expected a JSON body; got HTTP {resp.status_code} "
            f"{resp.headers.get('content-type')!r}: {body_of(resp)}"
        )


def check_status(resp, expected, name):
    check(
        resp.status_code == expected,
        name,
        f"HTTP {expected}",
        f"HTTP {resp.status_code} for {resp.request.method} {resp.url}: {body_of(resp)}",
    )


def expect_http_error(fn, status, error, name):
    """fn() must raise requests.HTTPError with this status and JSON `error`."""
    try:
        fn()
    except requests.HTTPError as e:
        r = e.response
        try:
            got_error = r.json().get("error")
        except ValueError:
            got_error = f"<not JSON: {body_of(r)}>"
        check(
            r.status_code == status and (error is None or got_error == error),
            name,
            f"HTTPError {status} with error={error!r}",
            f"HTTPError {r.status_code} with error={got_error!r}: {body_of(r)}",
        )
        return
    raise CheckFailed(f"{name}: expected HTTPError {status} ({error}); got no exception")


# --- the browser ---------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of a page a person would use: forms and their controls, element ids, the
    html element's lang, and its text (for messages)."""

    def __init__(self, url, status, html):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.status = status
        self.html = html
        self.forms = []
        self.ids = {}
        self.lang = None
        self.text_parts = []
        self._form = None
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: ("" if v is None else v) for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = (tag, a)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
        elif tag in ("input", "button", "select", "textarea"):
            if self._form is not None:
                self._form["fields"].append((tag, a))
        elif tag in ("script", "style"):
            self._skip += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text_parts.append(data.strip())

    @property
    def text(self):
        t = " ".join(self.text_parts)
        return redact(t[:400] + ("…" if len(t) > 400 else ""))

    def form_with(self, predicate):
        for f in self.forms:
            if any(predicate(tag, a) for tag, a in f["fields"]):
                return f
        return None

    def describe(self):
        return f"HTTP {self.status} {urllib.parse.urlsplit(self.url).path}: {self.text}"


def is_callback(url):
    return url.startswith(CALLBACK)


class Consent:
    """What happened in one browser journey from the authorize URL to the app's callback."""

    def __init__(self):
        self.login = None  # Page
        self.consent = None  # Page
        self.callback = None  # str
        self.query = {}

    def param(self, name):
        v = self.query.get(name)
        return v[0] if v else None


class Browser:
    def __init__(self, accept_language=None):
        self.s = requests.Session()
        self.s.headers["User-Agent"] = "Mozilla/5.0 (bluebutton SDK compatibility suite)"
        self.s.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"
        if accept_language:
            self.s.headers["Accept-Language"] = accept_language

    def _follow(self, resp, journey):
        """Follows redirects like a browser (GET) until a page, or the app's callback."""
        for _ in range(10):
            if resp.status_code not in (301, 302, 303, 307, 308):
                return resp
            loc = resp.headers.get("Location")
            if not loc:
                raise CheckFailed(f"browser: HTTP {resp.status_code} without Location at {resp.url}")
            target = urllib.parse.urljoin(resp.url, loc)
            if is_callback(target):
                journey.callback = target
                journey.query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
                secret(collect.COLLECTOR.add("authorization_code", journey.param("code")))
                return None
            resp = self.s.get(target, allow_redirects=False, timeout=HTTP_TIMEOUT)
        raise CheckFailed("browser: more than 10 redirects")

    def journey(self, authorize_url, username, password, decision="approve", share=True):
        """authorize URL → login page → consent page → (approve|deny) → callback URL.
        Stops early (callback set) if the server sends the browser to the app sooner."""
        j = Consent()
        resp = self._follow(self.s.get(authorize_url, allow_redirects=False, timeout=HTTP_TIMEOUT), j)
        if resp is None:
            return j
        page = Page(resp.url, resp.status_code, resp.text)
        path = urllib.parse.urlsplit(resp.url).path
        if resp.status_code != 200 or path.rstrip("/") != "/mymedicare/login":
            raise CheckFailed(
                "browser: expected the sandbox login page (200 /mymedicare/login?flow=…) after the "
                f"authorize URL; got {page.describe()}"
            )
        j.login = page
        form = page.form_with(lambda t, a: a.get("name") == "username" or a.get("id") == "username-textbox")
        if form is None:
            raise CheckFailed(f"browser: no login form with a username field on {page.describe()}")
        data = {}
        for tag, a in form["fields"]:
            if tag == "input" and a.get("type", "text").lower() == "hidden" and a.get("name"):
                data[a["name"]] = a.get("value", "")
        data["username"] = username
        data["password"] = password
        action = urllib.parse.urljoin(resp.url, form["attrs"].get("action") or resp.url)
        method = form["attrs"].get("method", "get").lower()
        if method != "post":
            raise CheckFailed(f"browser: login form method is {method!r}, expected post")
        resp = self._follow(self.s.post(action, data=data, allow_redirects=False, timeout=HTTP_TIMEOUT), j)
        if resp is None:
            return j
        page = Page(resp.url, resp.status_code, resp.text)
        path = urllib.parse.urlsplit(resp.url).path
        if resp.status_code != 200 or not re.fullmatch(r"/v2/o/authorize/[0-9a-fA-F-]{36}/?", path):
            raise CheckFailed(
                f"browser: expected the consent page (200 /v2/o/authorize/<uuid>/) after logging in as "
                f"{username}; got {page.describe()}"
            )
        j.consent = page
        form = page.form_with(
            lambda t, a: a.get("id") in ("approve", "deny") or a.get("name") in ("action", "csrf_token")
        )
        if form is None:
            raise CheckFailed(f"browser: no consent form on {page.describe()}")
        data = {}
        for tag, a in form["fields"]:
            if tag == "input" and a.get("type", "text").lower() == "hidden" and a.get("name"):
                data[a["name"]] = a.get("value", "")
        data["action"] = decision
        if share and decision == "approve":
            data["share_demographic_scopes"] = "on"
        action = urllib.parse.urljoin(resp.url, form["attrs"].get("action") or resp.url)
        resp = self.s.post(action, data=data, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if resp.status_code not in (302, 303):
            raise CheckFailed(
                f"browser: expected a 302 to the app after {decision}; got "
                f"{Page(resp.url, resp.status_code, resp.text).describe()}"
            )
        self._follow(resp, j)
        if j.callback is None:
            raise CheckFailed(f"browser: the {decision} redirect did not reach {CALLBACK}")
        return j


# --- SDK and raw helpers -------------------------------------------------------------------


def env_app(prefix):
    cid = os.environ.get(f"BB_{prefix}_CLIENT_ID")
    csec = os.environ.get(f"BB_{prefix}_CLIENT_SECRET")
    if not cid or not csec:
        raise SystemExit(f"{SDK}: BB_{prefix}_CLIENT_ID and BB_{prefix}_CLIENT_SECRET must be set (run tests/sdk/run.sh)")
    secret(csec)
    return cid, csec


def make_bb(app):
    cid, csec = app
    return BlueButton(
        {
            "environment": "LOCAL",
            "client_id": cid,
            "client_secret": csec,
            "callback_url": CALLBACK,
            "version": 2,
        }
    )


def user(i):
    return f"BBUser{i:05d}", f"PW{i:05d}!"


def track(token):
    secret(token.access_token)
    secret(token.refresh_token)
    return token


def authorize(bb, who, decision="approve", share=True, lang=None, accept_language=None, extra="", slash=False):
    """The SDK's authorize URL (plus `extra` query text, or with a trailing slash) through the
    browser; returns (auth_data, journey)."""
    auth_data = bb.generate_auth_data()
    secret(auth_data["verifier"])
    url = bb.generate_authorize_url(auth_data)
    if lang:
        url += f"&lang={lang}"
    url += extra
    if slash:
        url = url.replace("/v2/o/authorize?", "/v2/o/authorize/?", 1)
    j = Browser(accept_language).journey(url, *who, decision=decision, share=share)
    return auth_data, j


def authorize_and_exchange(bb, who, share=True):
    auth_data, j = authorize(bb, who, share=share)
    if j.param("code") is None:
        raise CheckFailed(f"expected ?code= on the callback after approving; got {redact(j.callback)}")
    return track(bb.get_authorization_token(auth_data, j.param("code"), j.param("state")))


def fhir(token):
    return {"auth_token": token, "params": {}}


def raw_get(path, access_token):
    return requests.get(
        BASE + path, headers={"Authorization": f"Bearer {access_token}"}, timeout=HTTP_TIMEOUT
    )


def scopes(token):
    return (token.scope or "").split()


def has_demographic_scope(token):
    return any(s.startswith("patient/Patient.") or s == "profile" for s in scopes(token))


def entry_ids(bundle):
    return [e["resource"]["resourceType"] + "/" + e["resource"]["id"] for e in bundle.get("entry", [])]


def next_link(bundle):
    for lnk in bundle.get("link", []):
        if lnk.get("relation") == "next":
            return lnk.get("url")
    return None


# --- the flows -------------------------------------------------------------------------------

STATE = {}


def flow_pick_user():
    """A sandbox login whose EOB search spans several pages."""
    bb = make_bb(STATE["main"])
    best = None
    for i in range(min(SANDBOX_USERS, 40)):
        who = user(i)
        tok = authorize_and_exchange(bb, who)
        r = bb.get_explaination_of_benefit_data(fhir(tok))["response"]
        if r.status_code != 200:
            raise CheckFailed(f"EOB search for {who[0]}: expected HTTP 200; got {r.status_code}: {body_of(r)}")
        total = json_of(r, "EOB search")["total"]
        if best is None or total > best[1]:
            best = (i, total, tok)
        if total > 25:
            break
    i, total, tok = best
    check(total > 10, f"picked sandbox user BBUser{i:05d} (EOB total {total})", "an EOB total > 10", total)
    STATE["user"] = user(i)
    STATE["eob_total"] = total
    STATE["first_token"] = tok


def flow_authorize():
    bb = make_bb(STATE["main"])
    who = STATE["user"]
    auth_data = bb.generate_auth_data()
    secret(auth_data["verifier"])
    check(
        len(auth_data["state"]) == 44 and auth_data["state"].endswith("=")
        and len(auth_data["code_challenge"]) == 44 and auth_data["code_challenge"].endswith("=")
        and len(auth_data["verifier"]) == 44 and auth_data["verifier"].endswith("="),
        "the SDK's state, verifier and challenge are padded (44 characters ending in '=')",
        "padded values",
        {k: len(v) for k, v in auth_data.items()},
    )
    url = bb.generate_authorize_url(auth_data)
    check(
        url.startswith(BASE + "/v2/o/authorize?"),
        "authorize URL has no trailing slash",
        BASE + "/v2/o/authorize?…",
        url[:60],
    )
    check(
        "state=" + urllib.parse.quote(auth_data["state"], safe="") in url and "%3D" in url,
        "authorize URL carries the padded state URL-encoded (%3D)",
        "state=…%3D",
        url[:60],
    )
    j = Browser().journey(url, *who)
    login_ids = [i for i in ("username-textbox", "password-textbox", "login-button") if i not in j.login.ids]
    check(not login_ids, "login page has ids username-textbox, password-textbox, login-button", "all three", f"missing {login_ids}")
    pw = j.login.ids.get("password-textbox")
    check(pw and pw[1].get("type") == "password", "password-textbox is a password input", "type=password", pw)
    hidden = {
        a.get("name")
        for f in j.login.forms
        for t, a in f["fields"]
        if t == "input" and a.get("type", "").lower() == "hidden"
    }
    check({"csrf_token", "flow"} <= hidden, "login form carries hidden csrf_token and flow", "csrf_token, flow", sorted(hidden))
    consent_ids = [i for i in ("approve", "deny") if i not in j.consent.ids]
    check(not consent_ids, "consent page has ids approve and deny", "both", f"missing {consent_ids}")
    box = [
        a
        for f in j.consent.forms
        for t, a in f["fields"]
        if a.get("name") == "share_demographic_scopes"
    ]
    check(
        len(box) == 1 and box[0].get("type") == "checkbox" and "checked" in box[0],
        "consent page shows the share_demographic_scopes checkbox, checked",
        "one checked checkbox",
        box,
    )
    check("code" in j.query and "state" in j.query, "approve redirects to the callback with code and state", "code & state", sorted(j.query))
    check_eq(j.param("state"), auth_data["state"], "callback state equals the padded state sent")
    code = j.param("code")
    check(
        bool(re.fullmatch(r"[A-Za-z0-9]{40}", code or "")),
        "authorization code is 40 alphanumerics (design)",
        "40 alphanumerics",
        f"{len(code or '')} characters",
    )
    tok = track(bb.get_authorization_token(auth_data, code, j.param("state")))
    check(
        bool(re.fullmatch(r"[A-Za-z0-9]{40}", tok.access_token or "")),
        "token exchange (multipart, secret in body) gives a 40-alphanumeric access token",
        "40 alphanumerics",
        short(tok.access_token),
    )
    check(
        bool(tok.refresh_token) and tok.refresh_token != tok.access_token,
        "token has a refresh_token distinct from the access token",
        "a refresh token",
        short(tok.refresh_token),
    )
    check_eq(tok.token_type, "Bearer", "token_type is Bearer")
    check_eq(tok.expires_in, 3600, "expires_in is 3600")
    check(bool(tok.patient), "token names the patient", "a FHIR patient id", tok.patient)
    now = datetime.datetime.now(datetime.timezone.utc)
    check(
        tok.expires_at > now + datetime.timedelta(seconds=3500),
        "expires_at is an hour ahead",
        f"> {now.isoformat()} + 3500 s",
        tok.expires_at,
    )
    sc = scopes(tok)
    for want in ("patient/Patient.", "patient/Coverage.", "patient/ExplanationOfBenefit."):
        check(any(s.startswith(want) for s in sc), f"scope includes {want}*", want + "*", tok.scope)
    check("profile" in sc, "scope includes profile (demographics shared)", "profile", tok.scope)
    STATE["token"] = tok
    # One token set per enrollee and app: this consent revoked the picking phase's token.
    old = STATE["first_token"]
    check_status(raw_get("/v2/fhir/Patient/", old.access_token), 401, "a new consent revokes the earlier token of the same enrollee and app")


def flow_fhir_reads():
    bb = make_bb(STATE["main"])
    tok = STATE["token"]
    pid = tok.patient
    check(
        "multipart/form-data" in bb_constants.SDK_HEADERS.get("content-type", ""),
        "the SDK's stale multipart Content-Type is set for the GETs below (SDK bug reproduced)",
        "content-type: multipart/form-data",
        bb_constants.SDK_HEADERS.get("content-type"),
    )
    res = bb.get_patient_data(fhir(tok))
    tok = res["auth_token"]
    r = res["response"]
    check_status(r, 200, "get_patient_data: 200")
    check("json" in r.headers.get("content-type", ""), "Patient search answers JSON to Accept */*", "a JSON media type", r.headers.get("content-type"))
    b = json_of(r, "Patient search")
    check(
        b.get("resourceType") == "Bundle" and b.get("type") == "searchset" and "link" in b,
        "Patient search is a searchset Bundle with link",
        "Bundle/searchset with link",
        {k: b.get(k) for k in ("resourceType", "type", "total")},
    )
    check_eq(b.get("total"), 1, "Patient search total is 1")
    check_eq(b["entry"][0]["resource"].get("id"), pid, "Patient entry[0].resource.id is the token's patient")

    res = bb.get_coverage_data(fhir(tok))
    r = res["response"]
    check_status(r, 200, "get_coverage_data: 200")
    b = json_of(r, "Coverage search")
    covs = [e["resource"] for e in b.get("entry", [])]
    check(
        b.get("resourceType") == "Bundle" and b.get("total", 0) >= 1 and len(covs) >= 1
        and all(c.get("resourceType") == "Coverage" for c in covs),
        "Coverage search returns the enrollee's Coverage resources",
        "a Bundle with ≥1 Coverage",
        {"total": b.get("total"), "types": sorted({c.get("resourceType") for c in covs})},
    )
    refs = {c.get("beneficiary", {}).get("reference") for c in covs}
    check_eq(refs, {f"Patient/{pid}"}, "every Coverage.beneficiary is the token's patient")

    res = bb.get_explaination_of_benefit_data(fhir(tok))
    r = res["response"]
    check_status(r, 200, "get_explaination_of_benefit_data: 200")
    b = json_of(r, "EOB search")
    check_eq(b.get("total"), STATE["eob_total"], "EOB search total is the same as when the user was picked")
    check_eq(len(b.get("entry", [])), min(10, b.get("total", 0)), "EOB search's default page size is 10")
    refs = {e["resource"].get("patient", {}).get("reference") for e in b.get("entry", [])}
    check_eq(refs, {f"Patient/{pid}"}, "every EOB.patient is the token's patient")
    nxt = next_link(b)
    check(
        nxt is not None and nxt.startswith(BASE + "/v2/fhir/ExplanationOfBenefit"),
        "EOB next link is absolute on the client's base (http://localhost:8000)",
        BASE + "/v2/fhir/ExplanationOfBenefit…",
        nxt,
    )

    res = bb.get_profile_data(fhir(tok))
    r = res["response"]
    check_status(r, 200, "get_profile_data (userinfo): 200")
    p = json_of(r, "userinfo")
    check_eq(p.get("sub"), pid, "userinfo sub is the patient")
    check_eq(p.get("patient"), pid, "userinfo patient is the patient")

    res = bb.get_custom_data({"auth_token": tok, "params": {}, "url": f"fhir/Patient/{pid}"})
    r = res["response"]
    check_status(r, 200, "get_custom_data fhir/Patient/<id> (read by id): 200")
    p = json_of(r, "Patient read")
    check(
        p.get("resourceType") == "Patient" and p.get("id") == pid,
        "read by id returns the Patient",
        f"Patient/{pid}",
        f"{p.get('resourceType')}/{p.get('id')}",
    )
    res = bb.get_custom_data({"auth_token": tok, "params": {}, "url": BASE + "/v2/fhir/Coverage"})
    r = res["response"]
    check_status(r, 200, "get_custom_data with an absolute URL without trailing slash: 200")
    STATE["token"] = res["auth_token"]


def flow_paging():
    bb = make_bb(STATE["main"])
    tok = STATE["token"]
    total = STATE["eob_total"]

    r = bb.get_explaination_of_benefit_data(fhir(tok))["response"]
    check_status(r, 200, "EOB search (default size): 200")
    first = json_of(r, "EOB search")
    res = bb.get_pages(first, fhir(tok))
    pages = res["pages"]
    check_eq(len(pages), math.ceil(total / 10), f"get_pages at the default size: ceil({total}/10) pages")
    ids = [i for p in pages for i in entry_ids(p)]
    check(len(ids) == total and len(set(ids)) == total, "default paging: every EOB exactly once", f"{total} distinct", f"{len(ids)} entries, {len(set(ids))} distinct")

    params = {"auth_token": tok, "params": {"_count": 5}}
    r = bb.get_explaination_of_benefit_data(params)["response"]
    check_status(r, 200, "EOB search with _count=5: 200")
    first = json_of(r, "EOB search _count=5")
    check_eq(len(first.get("entry", [])), min(5, total), "_count=5 gives 5 entries on the first page")
    # The SDK re-sends params with every next URL: _count=5 arrives twice on pages 2….
    res = bb.get_pages(first, {"auth_token": tok, "params": {"_count": 5}})
    pages = res["pages"]
    check(
        all(isinstance(p, dict) and p.get("resourceType") == "Bundle" for p in pages),
        "get_pages (duplicated _count) returns only Bundles",
        "Bundles",
        [p.get("resourceType") if isinstance(p, dict) else type(p).__name__ for p in pages],
    )
    check_eq(len(pages), math.ceil(total / 5), f"get_pages with _count=5: ceil({total}/5) pages")
    sizes = [len(p.get("entry", [])) for p in pages]
    check(all(s <= 5 for s in sizes), "no page holds more than 5 entries", "≤ 5 each", sizes)
    ids = [i for p in pages for i in entry_ids(p)]
    check_eq(len(ids), total, "the pages' entries add up to Bundle.total")
    check_eq(len(set(ids)), len(ids), "no EOB appears on two pages")
    check(next_link(pages[-1]) is None, "the last page has no next link", "no next", next_link(pages[-1]))
    check(res["auth_token"] is tok, "get_pages kept the (unexpired) token", "the same token", short(res["auth_token"].access_token))


def flow_second_authorization():
    bb = make_bb(STATE["main"])
    tok1 = authorize_and_exchange(bb, STATE["user"])
    r = bb.get_patient_data(fhir(tok1))["response"]
    check_status(r, 200, "a FHIR call with the first token: 200")
    stale = bb_constants.SDK_HEADERS.get("Authorization", "")
    check(
        stale == "Bearer " + tok1.access_token,
        "the SDK's shared headers now hold a stale Bearer (SDK bug reproduced)",
        "Authorization: Bearer <first token>",
        short(stale[7:]) if stale else None,
    )
    tok2 = authorize_and_exchange(bb, STATE["user"])
    ok("a second authorization's code exchange succeeds despite the stale Bearer header")
    check(tok2.access_token != tok1.access_token, "the second exchange issues a new access token", "a different token", short(tok2.access_token))
    r = bb.get_explaination_of_benefit_data(fhir(tok2))["response"]
    check_status(r, 200, "the second token reads EOBs")
    check_status(raw_get("/v2/fhir/ExplanationOfBenefit/", tok1.access_token), 401, "the first token is revoked by the new consent (one token set)")
    STATE["token"] = tok2


def flow_code_single_use():
    bb = make_bb(STATE["main"])
    auth_data, j = authorize(bb, STATE["user"])
    code, state = j.param("code"), j.param("state")
    tok = track(bb.get_authorization_token(auth_data, code, state))
    check_status(raw_get("/v2/fhir/Patient/", tok.access_token), 200, "code exchange, then the token works")
    expect_http_error(
        lambda: bb.get_authorization_token(auth_data, code, state),
        400,
        "invalid_grant",
        "the same code exchanged twice → HTTPError 400 invalid_grant",
    )
    check_status(raw_get("/v2/fhir/Patient/", tok.access_token), 401, "code replay revokes the tokens issued for it (RFC 6749 §4.1.2)")


def flow_trailing_slash():
    bb = make_bb(STATE["main"])
    auth_data, j = authorize(bb, STATE["user"], slash=True)
    check("code" in j.query, "/v2/o/authorize/?… (trailing slash) works too", "a code on the callback", redact(j.callback))
    tok = track(bb.get_authorization_token(auth_data, j.param("code"), j.param("state")))
    check_status(bb.get_patient_data(fhir(tok))["response"], 200, "…and its token reads Patient")


def flow_sample_app_scope():
    # CMS's Python sample app appends this to the SDK's authorize URL.
    bb = make_bb(STATE["main"])
    auth_data, j = authorize(bb, STATE["user"], extra="&scope=patient%2FExplanationOfBenefit.s")
    box = [a for f in j.consent.forms for t, a in f["fields"] if a.get("name") == "share_demographic_scopes"]
    check(not box, "scope=patient/ExplanationOfBenefit.s: no demographics checkbox", "no checkbox", box)
    tok = track(bb.get_authorization_token(auth_data, j.param("code"), j.param("state")))
    check_eq(tok.scope, "patient/ExplanationOfBenefit.s", "the token's scope is the one requested")
    r = bb.get_explaination_of_benefit_data(fhir(tok))["response"]
    check_status(r, 200, "scope .s: EOB search 200")
    check_eq(json_of(r, "EOB search").get("total"), STATE["eob_total"], "…with every EOB")
    check_status(bb.get_patient_data(fhir(tok))["response"], 403, "scope .s: Patient search 403")
    check_status(bb.get_coverage_data(fhir(tok))["response"], 403, "scope .s: Coverage search 403")
    check_status(bb.get_profile_data(fhir(tok))["response"], 403, "scope .s: userinfo 403")


def flow_refresh():
    bb = make_bb(STATE["main"])
    old = authorize_and_exchange(bb, STATE["user"])
    new = track(bb.refresh_auth_token(old))
    check(new.access_token and new.access_token != old.access_token, "refresh_auth_token issues a new access token", "a new access token", short(new.access_token))
    check(new.refresh_token and new.refresh_token != old.refresh_token, "refresh rotates the refresh token", "a new refresh token", short(new.refresh_token))
    check_eq(new.patient, old.patient, "refreshed token names the same patient")
    check_eq(new.expires_in, 3600, "refreshed token's expires_in is 3600")
    check_eq(sorted(scopes(new)), sorted(scopes(old)), "refresh keeps the granted scopes")
    res = bb.get_patient_data(fhir(new))
    check_status(res["response"], 200, "the refreshed access token reads Patient")
    check_eq(
        json_of(res["response"], "Patient search")["entry"][0]["resource"]["id"], old.patient, "…the same patient"
    )
    check_status(raw_get("/v2/fhir/Patient/", old.access_token), 401, "the old access token gets 401 after refresh")
    expect_http_error(lambda: bb.refresh_auth_token(old), 400, "invalid_grant", "reusing the old refresh token → HTTPError 400 invalid_grant")


def flow_local_expiry():
    bb = make_bb(STATE["main"])
    tok = authorize_and_exchange(bb, STATE["user"])
    tok.expires_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    check(tok.access_token_expired(), "token forced to expire locally", "expired", tok.expires_at)
    res = bb.get_patient_data(fhir(tok))
    new = track(res["auth_token"])
    check(
        new is not tok and new.access_token != tok.access_token,
        "get_patient_data on an expired token refreshes automatically and returns the new token",
        "a new token in result['auth_token']",
        short(new.access_token),
    )
    check_status(res["response"], 200, "…and the call succeeds with it")
    check(not new.access_token_expired(), "the new token is not expired", "expires_at in the future", new.expires_at)
    check_status(raw_get("/v2/fhir/Patient/", tok.access_token), 401, "the replaced access token gets 401")
    res = bb.get_coverage_data(fhir(new))
    check(res["auth_token"] is new, "a further call with the live token does not refresh", "the same token", short(res["auth_token"].access_token))
    check_status(res["response"], 200, "…and reads Coverage")


def flow_deny():
    bb = make_bb(STATE["main"])
    auth_data, j = authorize(bb, STATE["user"], decision="deny", accept_language="es-ES,es;q=0.9,en;q=0.5")
    check_eq(j.consent.lang, "es", "Accept-Language: es gives the Spanish consent page (html lang)")
    check_eq(j.param("error"), "access_denied", "deny redirects to the callback with error=access_denied")
    check_eq(j.param("state"), auth_data["state"], "…and the state")
    check(j.param("code") is None, "…and no code", "no code", "a code")
    try:
        bb.get_authorization_token(auth_data, j.param("code"), j.param("state"))
    except ValueError as e:
        ok(f"get_authorization_token raises ValueError on the denied callback ({e})")
    else:
        raise CheckFailed("get_authorization_token after deny: expected ValueError; got a token")


def flow_opt_out():
    bb = make_bb(STATE["main"])
    tok = authorize_and_exchange(bb, STATE["user"], share=False)
    check(not has_demographic_scope(tok), "opting out of demographics drops patient/Patient.* and profile from the scope", "no Patient/profile scope", tok.scope)
    check(any(s.startswith("patient/ExplanationOfBenefit.") for s in scopes(tok)), "…and keeps EOB", "patient/ExplanationOfBenefit.*", tok.scope)
    r = bb.get_patient_data(fhir(tok))["response"]
    check_status(r, 403, "opted out: Patient search 403")
    check_eq(json_of(r, "Patient 403").get("detail"), NO_PERMISSION, "…with BB2's permission detail")
    r = bb.get_profile_data(fhir(tok))["response"]
    check_status(r, 403, "opted out: userinfo 403")
    check_status(bb.get_coverage_data(fhir(tok))["response"], 200, "opted out: Coverage 200")
    check_status(bb.get_explaination_of_benefit_data(fhir(tok))["response"], 200, "opted out: EOB 200")


def flow_no_demographics_app():
    bb = make_bb(STATE["nodemo"])
    auth_data, j = authorize(bb, STATE["user"], share=True)
    box = [a for f in j.consent.forms for t, a in f["fields"] if a.get("name") == "share_demographic_scopes"]
    check(not box, "app without demographics: no share_demographic_scopes checkbox", "no checkbox", box)
    tok = track(bb.get_authorization_token(auth_data, j.param("code"), j.param("state")))
    check(not has_demographic_scope(tok), "app without demographics: no Patient/profile scope even when the checkbox is posted", "no Patient/profile scope", tok.scope)
    check_status(bb.get_patient_data(fhir(tok))["response"], 403, "app without demographics: Patient 403")
    check_status(bb.get_profile_data(fhir(tok))["response"], 403, "app without demographics: userinfo 403")
    check_status(bb.get_explaination_of_benefit_data(fhir(tok))["response"], 200, "app without demographics: EOB 200")


def flow_revoke():
    app = STATE["main"]
    bb = make_bb(app)
    tok = authorize_and_exchange(bb, STATE["user"])
    check_status(bb.get_patient_data(fhir(tok))["response"], 200, "before revoke: Patient 200")
    r = requests.post(BASE + "/v2/o/revoke/", data={"token": tok.access_token}, auth=app, timeout=HTTP_TIMEOUT)
    check_status(r, 200, "POST /v2/o/revoke/ (Basic, token): 200")
    res = bb.get_patient_data(fhir(tok))
    check_status(res["response"], 401, "revoked token: the SDK's FHIR call gets 401")
    check(
        res["auth_token"] is tok and res["auth_token"].access_token == tok.access_token,
        "…and the SDK does not refresh on a 401",
        "the same token back",
        short(res["auth_token"].access_token),
    )
    expect_http_error(lambda: bb.refresh_auth_token(tok), 400, "invalid_grant", "revoke ended the grant: refresh → HTTPError 400 invalid_grant")


def flow_one_time():
    bb = make_bb(STATE["onetime"])
    tok = authorize_and_exchange(bb, STATE["user"])
    check_status(bb.get_explaination_of_benefit_data(fhir(tok))["response"], 200, "ONE_TIME app: EOB 200")
    expect_http_error(lambda: bb.refresh_auth_token(tok), 403, "invalid_client", "ONE_TIME app: refresh → HTTPError 403 invalid_client")


FLOWS = [
    ("pick a sandbox user with several EOB pages", flow_pick_user, True),
    ("authorize, login, approve, exchange", flow_authorize, True),
    ("Patient, Coverage, EOB, userinfo, custom", flow_fhir_reads, False),
    ("get_pages", flow_paging, False),
    ("second authorization with a stale Bearer", flow_second_authorization, False),
    ("code is single use", flow_code_single_use, False),
    ("authorize with a trailing slash", flow_trailing_slash, False),
    ("the sample app's scope parameter", flow_sample_app_scope, False),
    ("explicit refresh", flow_refresh, False),
    ("automatic refresh on local expiry", flow_local_expiry, False),
    ("deny", flow_deny, False),
    ("demographics opt-out", flow_opt_out, False),
    ("app without demographics", flow_no_demographics_app, False),
    ("revoke", flow_revoke, False),
    ("ONE_TIME app", flow_one_time, False),
]


def main():
    collect.install_requests_tap()
    STATE["main"] = env_app("MAIN")
    STATE["onetime"] = env_app("ONETIME")
    STATE["nodemo"] = env_app("NODEMO")
    print(f"# {SDK}: cms-bluebutton-sdk {cms_bluebutton.version.__version__ if hasattr(cms_bluebutton, 'version') else '?'} against {BASE}", flush=True)
    for title, fn, essential in FLOWS:
        print(f"# {SDK}: {title}", flush=True)
        try:
            fn()
        except CheckFailed as e:
            FAILED.append(title)
            print(f"not ok - {SDK}: {title}: {redact(e)}", flush=True)
        except Exception as e:  # noqa: BLE001 - an SDK exception is a failed check too
            FAILED.append(title)
            detail = redact(f"{type(e).__name__}: {e}")
            if isinstance(e, requests.HTTPError) and e.response is not None:
                detail += f" — body: {body_of(e.response)}"
            print(f"not ok - {SDK}: {title}: unexpected {detail}", flush=True)
            tb = redact("".join(traceback.format_exception(e)[-4:]))
            print("#   " + tb.replace("\n", "\n#   "), flush=True)
        if FAILED and essential:
            print(f"# {SDK}: stopping: the flows below need this one", flush=True)
            break
    print(f"{SDK}: {len(PASSED)} passed, {len(FAILED)} failed", flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
