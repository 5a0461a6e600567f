#!/usr/bin/env python3
"""Log hygiene (issue 10, item 4): no log line contains a sensitive value the end-to-end
suites handed out or read. Standard library only.

  check.py LOGDIR        every LOGDIR/*-secrets.jsonl against every line of LOGDIR/*.log
  check.py --self-test   plants values in a log of its own and expects each one found

The suites (tests/sdk, tests/postman, tests/browser, tests/schemathesis) write their
server's log (debug level) as LOGDIR/<suite>-*.log and what they handed out or read as
LOGDIR/<suite>-secrets.jsonl, lines {"kind": …, "value": …}: tokens, authorization codes,
PKCE verifiers, client secrets, passwords, cookies, TOTP secrets, e-mailed link tokens, and
the MBIs, names, birth dates and claim ids of the FHIR responses read.

Each value is looked for as written, URL-encoded (quote and quote_plus) and JSON-escaped,
case-insensitively. Names, birth dates and values made only of digits (claim identifiers
such as a Part D event number) are matched as whole tokens (not inside a longer word,
number or date-time: "1950-03-04T…" is a timestamp, not the birth date, and the digits of a
claim number inside "0.000041612" are a duration — CI met exactly that); every other kind
as a substring. Values shorter than MIN_LENGTH (6) characters are skipped — a 5-character
string turns up by chance in a megabyte of log — except names and birth dates, which as
whole tokens are checked from MIN_TOKEN_LENGTH (4) characters (shorter names, "Al", "Lee",
are ordinary words). TOTP codes (kind totp_code) are recorded but not looked for: six
digits valid for 30 seconds, they match by chance in any log of timestamps and durations.
A finding names the log file, the line and the KIND of the value (and
which suite recorded it), never the value. Exits 1 on any finding, or when there is nothing
to check (no secrets or no log lines: the suites did not record, which is itself a failure).
"""

import json
import os
import sys
import tempfile
import urllib.parse
from collections import Counter, defaultdict

MIN_LENGTH = 6
MIN_TOKEN_LENGTH = 4
WHOLE_TOKEN_KINDS = {"name", "birth_date"}
# Recorded, not looked for: six-digit TOTP codes (see the module's doc).
UNCHECKED_KINDS = {"totp_code"}
PREFIX = MIN_TOKEN_LENGTH  # needles are indexed by their first PREFIX characters
MAX_SHOWN = 60


def forms(value):
    """The spellings of a value a log line might carry: as is, URL-encoded, JSON-escaped."""
    out = {
        "as written": value,
        "url-encoded": urllib.parse.quote(value, safe=""),
        "form-encoded": urllib.parse.quote_plus(value, safe=""),
        "json-escaped": json.dumps(value)[1:-1],
    }
    seen = {}
    for label, text in out.items():
        seen.setdefault(text.lower(), label)
    return seen  # lower-cased text → label of its first spelling


def load_secrets(paths):
    """[(kind, value, suite)] from the secrets files, each (kind, value) once; and what was
    skipped as too short, by kind."""
    values = {}
    skipped = Counter()
    for path in paths:
        suite = os.path.basename(path).removesuffix("-secrets.jsonl")
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    rec = json.loads(line)
                    kind, value = str(rec["kind"]), str(rec["value"])
                except (ValueError, KeyError, TypeError):
                    raise SystemExit(f"check.py: {path}:{n}: not a {{kind, value}} JSON line")
                minimum = MIN_TOKEN_LENGTH if kind in WHOLE_TOKEN_KINDS else MIN_LENGTH
                if kind in UNCHECKED_KINDS or len(value.strip()) < minimum:
                    skipped[kind] += 1
                    continue
                values.setdefault((kind, value), suite)
    return [(k, v, s) for (k, v), s in values.items()], skipped


def build_index(secrets):
    """First PREFIX characters (lower case) → [(needle, kind, suite, form label)]."""
    index = defaultdict(list)
    for kind, value, suite in secrets:
        for needle, label in forms(value).items():
            index[needle[:PREFIX]].append((needle, kind, suite, label))
    return index


def is_word(c):
    return c.isalnum()


def scan_line(line, index):
    """The (kind, suite, form) of every needle found in the line."""
    low = line.lower()
    found = set()
    for i in range(len(low) - PREFIX + 1):
        candidates = index.get(low[i:i + PREFIX])
        if not candidates:
            continue
        for needle, kind, suite, label in candidates:
            if not low.startswith(needle, i):
                continue
            if kind in WHOLE_TOKEN_KINDS or needle.isdigit():
                end = i + len(needle)
                if (i > 0 and is_word(low[i - 1])) or (end < len(low) and is_word(low[end])):
                    continue
            found.add((kind, suite, label))
    return found


def check(logdir, out=sys.stdout):
    """Scans LOGDIR; returns the process exit code."""
    names = sorted(os.listdir(logdir))
    secret_files = [os.path.join(logdir, n) for n in names if n.endswith("-secrets.jsonl")]
    log_files = [os.path.join(logdir, n) for n in names if n.endswith(".log")]
    secrets, skipped = load_secrets(secret_files)
    index = build_index(secrets)
    findings = []
    lines = 0
    for path in log_files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                lines += 1
                for kind, suite, label in sorted(scan_line(line, index)):
                    findings.append((os.path.basename(path), n, kind, suite, label))
    kinds = Counter(k for k, _, _ in secrets)
    print(
        f"log hygiene: {len(secrets)} values ({', '.join(f'{k} {c}' for k, c in sorted(kinds.items()))}) "
        f"from {len(secret_files)} secrets files against {lines} lines of {len(log_files)} logs in {logdir}",
        file=out,
    )
    if skipped:
        print(
            "  skipped (too short to match reliably, or TOTP codes): "
            + ", ".join(f"{k} {c}" for k, c in sorted(skipped.items())),
            file=out,
        )
    if not secrets or lines == 0:
        print("log hygiene: FAILED: nothing to check (no recorded values or no log lines)", file=out)
        return 1
    if not findings:
        print("log hygiene: no log line contains any of them", file=out)
        return 0
    for name, n, kind, suite, label in findings[:MAX_SHOWN]:
        print(f"  {name}:{n}: {kind} (recorded by {suite}, {label})", file=out)
    if len(findings) > MAX_SHOWN:
        print(f"  … and {len(findings) - MAX_SHOWN} more", file=out)
    by_kind = Counter(f[2] for f in findings)
    print(
        f"log hygiene: FAILED: {len(findings)} findings ("
        + ", ".join(f"{k} {c}" for k, c in sorted(by_kind.items()))
        + ")",
        file=out,
    )
    return 1


def self_test():
    """Plants values in a log and expects exactly those lines found, by kind, with the
    values themselves never printed."""
    token = "aB3/xY+9_kLm-QrSt~UvWx"
    mbi = "1EG4TE5MK73"
    birth = "1948-07-15"
    name = "Zelinda"
    claim = "carrier-10023400567"
    number = "4161298"
    secrets = [
        ("access_token", token), ("mbi", mbi), ("birth_date", birth), ("name", name),
        ("claim_id", claim), ("password", "abc12"),  # too short: skipped, never matched
        ("claim_identifier", number),
    ]
    log = [
        '{"level":"INFO","message":"request","route":"/v2/fhir/Patient/{id}","status":200}',  # 1 clean
        json.dumps({"message": "bearer", "header": f"Bearer {token}"}),  # 2 token as written
        f'DEBUG uri=/v2/o/revoke/?token={urllib.parse.quote(token, safe="")}',  # 3 url-encoded
        f"DEBUG body=token={urllib.parse.quote_plus(token)}&x=1",  # 4 form-encoded
        json.dumps({"message": f"read patient with mbi {mbi.lower()}"}),  # 5 MBI, other case
        '{"timestamp":"1948-07-15T10:00:00Z","message":"tick"}',  # 6 a timestamp: no birth date
        f'{{"message":"born {birth}"}}',  # 7 birth date as a whole token
        f'{{"message":"{name}s and others"}}',  # 8 a longer word: no name
        f'{{"message":"patient {name} signed in"}}',  # 9 name as a whole token
        f'{{"message":"claim","id":"{claim}"}}',  # 10 claim id
        '{"message":"abc12 is short"}',  # 11 the skipped short value: no finding
        f'{{"elapsed_secs":0.00{number}3}}',  # 12 digits inside a longer number: no finding
        f'{{"message":"claim number {number} read"}}',  # 13 a numeric claim id, whole token
    ]
    expected = {
        (2, "access_token"), (3, "access_token"), (4, "access_token"), (5, "mbi"),
        (7, "birth_date"), (9, "name"), (10, "claim_id"), (13, "claim_identifier"),
    }
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "planted-secrets.jsonl"), "w", encoding="utf-8") as f:
            for kind, value in secrets:
                f.write(json.dumps({"kind": kind, "value": value}) + "\n")
        with open(os.path.join(d, "planted-server.log"), "w", encoding="utf-8") as f:
            f.write("\n".join(log) + "\n")
        with open(os.path.join(d, "report.txt"), "w+", encoding="utf-8") as report:
            code = check(d, out=report)
            report.seek(0)
            text = report.read()
    got = set()
    for line in text.splitlines():
        if line.startswith("  planted-server.log:"):
            where, _, rest = line.strip().partition(": ")
            got.add((int(where.rsplit(":", 1)[1]), rest.split(" ", 1)[0]))
    problems = []
    if code != 1:
        problems.append(f"exit code {code}, expected 1")
    if got != expected:
        problems.append(f"found {sorted(got)}, expected {sorted(expected)}")
    low = text.lower()
    for kind, value in secrets:
        if value.lower() in low or urllib.parse.quote(value, safe="").lower() in low:
            problems.append(f"the report prints the planted {kind}")
    # And a clean directory passes.
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "planted-secrets.jsonl"), "w", encoding="utf-8") as f:
            f.write(json.dumps({"kind": "access_token", "value": token}) + "\n")
        with open(os.path.join(d, "planted-server.log"), "w", encoding="utf-8") as f:
            f.write(log[0] + "\n" + log[5] + "\n")
        with open(os.devnull, "w", encoding="utf-8") as sink:
            if check(d, out=sink) != 0:
                problems.append("a clean log was reported")
    if problems:
        print("log hygiene self-test: FAILED: " + "; ".join(problems))
        return 1
    print(f"log hygiene self-test: all {len(expected)} planted values found (raw, URL-, form- and "
          "JSON-encoded, other case, whole tokens), none printed; a timestamp, a longer word, "
          "digits inside a longer number, a short value and a clean log not reported")
    return 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) != 1 or not os.path.isdir(argv[0]):
        print("usage: check.py LOGDIR | check.py --self-test", file=sys.stderr)
        return 2
    return check(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
