"""The log-hygiene collector for the Python parts of the end-to-end suites (stdlib only).

Every sensitive value a suite hands to the server or reads from it is appended to the
secrets file named by BB_SECRETS_FILE (tests/*/run.sh: "$LOGDIR/<suite>-secrets.jsonl"),
one JSON object a line: {"kind": "access_token", "value": "…"}. tests/loghygiene/check.py
then greps every server log line for each value. Without BB_SECRETS_FILE nothing is
written (a flow run by hand).

Kinds: access_token, refresh_token, id_token, authorization_code, code_verifier,
client_secret, password, cookie (every cookie the server set: sessions, CSRF), totp_secret,
email_link_token, and from FHIR and
UserInfo responses: mbi, name, birth_date, claim_id (ExplanationOfBenefit.id),
claim_identifier (ExplanationOfBenefit.identifier[].value). The same rules as
collect.mjs (Node).
"""

import base64
import json
import os
import threading
import urllib.parse

# Form fields a suite sends whose value is a credential, and the kind recorded.
FORM_FIELDS = {
    "password": "password",
    "code": "authorization_code",
    "code_verifier": "code_verifier",
    "client_secret": "client_secret",
    "refresh_token": "refresh_token",
    "token": "token",
}

# JSON members whose string value is a credential, and the kind recorded.
TOKEN_MEMBERS = {
    "access_token": "access_token",
    "refresh_token": "refresh_token",
    "id_token": "id_token",
    "client_secret": "client_secret",
}


class Collector:
    """Appends (kind, value) lines to one secrets file, each distinct pair once."""

    def __init__(self, path=None):
        self.path = path if path is not None else os.environ.get("BB_SECRETS_FILE")
        self.seen = set()
        self.lock = threading.Lock()

    def add(self, kind, value):
        """Records one value (None and empty values are ignored); returns it."""
        if value is None:
            return value
        text = str(value)
        if not text:
            return value
        with self.lock:
            if (kind, text) in self.seen:
                return value
            self.seen.add((kind, text))
            if self.path:
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"kind": kind, "value": text}) + "\n")
        return value

    def json(self, doc):
        """Records the credentials and the PHI found in a parsed JSON document (a token
        response, UserInfo, a FHIR resource or Bundle, at any depth)."""
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            for member, kind in TOKEN_MEMBERS.items():
                if isinstance(node.get(member), str):
                    self.add(kind, node[member])
            for member in ("given_name", "family_name"):
                if isinstance(node.get(member), str):
                    self.add("name", node[member])
            if isinstance(node.get("birthdate"), str):
                self.add("birth_date", node["birthdate"])
            rtype = node.get("resourceType")
            if rtype == "Patient":
                for name in node.get("name") or []:
                    if isinstance(name, dict):
                        for given in name.get("given") or []:
                            self.add("name", given)
                        if isinstance(name.get("family"), str):
                            self.add("name", name["family"])
                if isinstance(node.get("birthDate"), str):
                    self.add("birth_date", node["birthDate"])
            elif rtype == "ExplanationOfBenefit":
                if isinstance(node.get("id"), str):
                    self.add("claim_id", node["id"])
                for ident in node.get("identifier") or []:
                    if isinstance(ident, dict) and isinstance(ident.get("value"), str):
                        self.add("claim_identifier", ident["value"])
            # An MBI wherever it appears (Patient.identifier, Coverage, …).
            system = node.get("system")
            if isinstance(system, str) and system.endswith("us-mbi") and isinstance(node.get("value"), str):
                self.add("mbi", node["value"])
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))

    def response(self, resp):
        """Records what a `requests` response carried: its JSON body and its cookies."""
        for cookie in resp.cookies:
            self.add("cookie", cookie.value)
        ctype = resp.headers.get("content-type", "")
        if "json" in ctype:
            try:
                self.json(resp.json())
            except ValueError:
                pass
        return resp


    def request(self, method, url, headers, body):
        """Records what a request handed to the server: a bearer token or Basic client
        secret, credential form fields, and the same fields in the query string."""
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        scheme, _, cred = auth.partition(" ")
        if scheme.lower() == "bearer":
            self.add("access_token", cred.strip())
        elif scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(cred.strip()).decode("utf-8")
            except ValueError:
                decoded = ""
            self.add("client_secret", urllib.parse.unquote_plus(decoded.partition(":")[2]))
        fields = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        ctype = headers.get("Content-Type") or headers.get("content-type") or ""
        if isinstance(body, str) and "x-www-form-urlencoded" in ctype:
            fields += urllib.parse.parse_qsl(body)
        for name, value in fields:
            # A six-digit `code` is a TOTP code of the second-step forms, not an OAuth code.
            if name == "code" and len(value) == 6 and value.isdigit():
                self.add("totp_code", value)
            elif name in FORM_FIELDS:
                self.add(FORM_FIELDS[name], value)


COLLECTOR = Collector()


def install_requests_tap(collector=COLLECTOR):
    """Taps every request the `requests` library sends in this process (the SDK's too,
    unmodified): the request's credentials and the response's JSON and cookies are
    recorded. Observes only; nothing sent or received changes."""
    from requests.adapters import HTTPAdapter

    original = HTTPAdapter.send
    if getattr(original, "_bb_tapped", False):
        return

    def send(self, request, *args, **kwargs):
        collector.request(request.method, request.url, request.headers, request.body)
        resp = original(self, request, *args, **kwargs)
        collector.response(resp)
        return resp

    send._bb_tapped = True
    HTTPAdapter.send = send


def from_har(collector, path):
    """Records what the requests and responses of a HAR file carried (schemathesis's
    report of a fuzzing run): credentials sent, tokens and FHIR data received."""
    with open(path, encoding="utf-8") as f:
        har = json.load(f)
    for entry in har.get("log", {}).get("entries", []):
        req = entry.get("request", {})
        headers = {h.get("name", ""): h.get("value", "") for h in req.get("headers", [])}
        post = req.get("postData") or {}
        if post.get("mimeType"):
            headers.setdefault("Content-Type", post["mimeType"])
        collector.request(req.get("method", ""), req.get("url", ""), headers, post.get("text"))
        content = (entry.get("response") or {}).get("content") or {}
        text = content.get("text")
        if not text:
            continue
        if content.get("encoding") == "base64":
            try:
                text = base64.b64decode(text).decode("utf-8")
            except ValueError:
                continue
        if "json" in (content.get("mimeType") or ""):
            try:
                collector.json(json.loads(text))
            except ValueError:
                pass


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 3 or sys.argv[1] != "har":
        sys.exit("usage: collect.py har FILE.har…  (appends to $BB_SECRETS_FILE)")
    for har_path in sys.argv[2:]:
        from_har(COLLECTOR, har_path)
