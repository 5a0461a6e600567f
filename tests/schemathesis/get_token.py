#!/usr/bin/env python3
"""A real bearer token for the fuzzing run (tests/schemathesis/run.sh): the authorization
code flow with PKCE (S256) through the sandbox login and the consent page, as the SDK suite's
browser does it, then the token exchange with HTTP Basic client authentication.

  get_token.py BASE CLIENT_ID CLIENT_SECRET REDIRECT_URI USERNAME PASSWORD IDS_DIR

Prints the access token (only) on stdout, and writes into IDS_DIR the ids of the enrollee's
own resources, one libFuzzer dictionary per operation (patient.dict, coverage.dict,
eob.dict: schemathesis then also reads real resources, not only absent ones); the flow's values (the password, the code, the
verifier, the tokens, cookies) are recorded for the log-hygiene check through
tests/loghygiene/collect.py (BB_SECRETS_FILE). Exits 1 naming the step that failed.
"""

import base64
import hashlib
import os
import secrets
import sys
import urllib.parse
from html.parser import HTMLParser

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "loghygiene"))
import collect  # noqa: E402

TIMEOUT = 60


class Forms(HTMLParser):
    """The page's forms: action, method and their named inputs' values."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type", "text").lower() == "hidden":
                self.forms[-1]["fields"][a["name"]] = a.get("value", "")
            else:
                self.forms[-1]["fields"].setdefault(a["name"], "")


def fail(step, resp=None):
    detail = f" (HTTP {resp.status_code} at {urllib.parse.urlsplit(resp.url).path})" if resp is not None else ""
    sys.exit(f"get_token.py: {step}{detail}")


def follow(session, resp, redirect_uri):
    """Follows redirects until a page; returns (page response, callback URL or None)."""
    for _ in range(10):
        if resp.status_code not in (301, 302, 303, 307, 308):
            return resp, None
        target = urllib.parse.urljoin(resp.url, resp.headers.get("Location", ""))
        if target.startswith(redirect_uri):
            return resp, target
        resp = session.get(target, allow_redirects=False, timeout=TIMEOUT)
    fail("more than 10 redirects")
    return resp, None


def submit(session, resp, fields, redirect_uri):
    forms = Forms(resp.text).forms
    form = next((f for f in forms if set(fields) <= set(f["fields"]) | {"action", "share_demographic_scopes"}), None)
    if form is None or form["method"].lower() != "post":
        fail(f"no form with {sorted(fields)}", resp)
    data = dict(form["fields"])
    data.update(fields)
    action = urllib.parse.urljoin(resp.url, form["action"] or resp.url)
    return follow(session, session.post(action, data=data, allow_redirects=False, timeout=TIMEOUT), redirect_uri)


def main():
    if len(sys.argv) != 8:
        sys.exit("usage: get_token.py BASE CLIENT_ID CLIENT_SECRET REDIRECT_URI USERNAME PASSWORD IDS_DIR")
    base, client_id, client_secret, redirect_uri, username, password, ids_dir = sys.argv[1:]
    collect.install_requests_tap()
    collect.COLLECTOR.add("client_secret", client_secret)
    verifier = collect.COLLECTOR.add("code_verifier", secrets.token_urlsafe(48))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urllib.parse.urlencode({
        "client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code", "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    s = requests.Session()
    resp, _ = follow(s, s.get(f"{base}/v2/o/authorize/?{query}", allow_redirects=False, timeout=TIMEOUT), redirect_uri)
    if resp.status_code != 200 or "/mymedicare/login" not in resp.url:
        fail("expected the sandbox login page after the authorize URL", resp)
    resp, callback = submit(s, resp, {"username": username, "password": password}, redirect_uri)
    if callback is None:
        if resp.status_code != 200:
            fail("expected the consent page after logging in", resp)
        resp, callback = submit(s, resp, {"action": "approve", "share_demographic_scopes": "on"}, redirect_uri)
    if callback is None:
        fail("the approval did not redirect to the app", resp)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    code = collect.COLLECTOR.add("authorization_code", params.get("code"))
    if not code or params.get("state") != state:
        fail("the callback has no code or the wrong state")
    tok = requests.post(
        f"{base}/v2/o/token/",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier},
        auth=(client_id, client_secret),
        timeout=TIMEOUT,
    )
    if tok.status_code != 200:
        fail("the token exchange failed", tok)
    for cookie in s.cookies:
        collect.COLLECTOR.add("cookie", cookie.value)
    access = tok.json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    ids = {"patient": [tok.json()["patient"]]}
    for name, resource in (("coverage", "Coverage"), ("eob", "ExplanationOfBenefit")):
        r = requests.get(f"{base}/v2/fhir/{resource}?_count=5", headers=bearer, timeout=TIMEOUT)
        if r.status_code != 200:
            fail(f"the {resource} search failed", r)
        ids[name] = [e["resource"]["id"] for e in r.json().get("entry", [])]
    for name, values in ids.items():
        if not values:
            fail(f"no {name} ids")
        with open(os.path.join(ids_dir, f"{name}.dict"), "w", encoding="utf-8") as f:
            f.writelines(f'"{v}"\n' for v in values)
    print(access)


if __name__ == "__main__":
    main()
