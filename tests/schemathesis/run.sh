#!/usr/bin/env bash
# OpenAPI-driven fuzzing of the running server (issue 10, item 2): schemathesis (PyPI, pinned
# in requirements.txt here) reads the server's own /docs/openapi.json and sends every
# documented operation generated requests, valid and invalid, checking each response:
#   not_a_server_error            no 5xx, ever;
#   status_code_conformance       the status is one the operation documents;
#   content_type_conformance      the Content-Type is one documented for that status;
#   response_schema_conformance   the body validates against the documented schema.
#
#   tests/schemathesis/run.sh BLUEBUTTON_BINARY
#
# Installs schemathesis into the repository's .venv when missing (pip, PyPI only). Starts
# the server on a free loopback port over a temporary SQLite store (20 sandbox enrollees,
# seed 7), creates a developer and an app with `bluebutton admin`, gets a real bearer token
# through the sandbox login and consent (get_token.py), and runs schemathesis with that token on
# the FHIR and UserInfo operations and the app's credentials (HTTP Basic) on the token,
# revocation and introspection endpoints (schemathesis.toml). Bounded: SCHEMATHESIS_EXAMPLES
# cases per operation (default 25) with deterministic generation (no seed: the same cases on
# every run), all four phases (examples, coverage, fuzzing, stateful), so a run repeats. Exits non-zero on
# any failed check (with the server log's tail); the reproducing curl commands are printed.
#
# Logs: with BB_LOG_DIR set (scripts/test), the server's log (debug level, JSON lines) goes
# to $BB_LOG_DIR/schemathesis-server.log and the values this suite handed out or read to
# $BB_LOG_DIR/schemathesis-secrets.jsonl, for tests/loghygiene/check.py.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CALLBACK="http://127.0.0.1:9/schemathesis/callback/"
ENROLLEES=20
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-25}"
say() { printf '==> schemathesis: %s\n' "$*"; }
die() { printf 'tests/schemathesis/run.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tests/schemathesis/run.sh BLUEBUTTON_BINARY"
BIN="$1"
case "$BIN" in */*) BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" ;; *) BIN="$(command -v "$BIN" || true)" ;; esac
[ -n "$BIN" ] && [ -x "$BIN" ] || die "not an executable: $1 (build it first: cargo build -p bb-cli)"
command -v python3 >/dev/null || die "python3 not found"

export NO_PROXY="localhost,127.0.0.1,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
# No __pycache__ next to get_token.py and tests/loghygiene/collect.py.
export PYTHONDONTWRITEBYTECODE=1

# --- schemathesis (PyPI only) -------------------------------------------------------------------
PY="$REPO/.venv/bin/python"
if [ ! -x "$PY" ]; then
  say "creating $REPO/.venv"
  python3 -m venv "$REPO/.venv"
fi
want="$(sed -n 's/^schemathesis==//p' "$HERE/requirements.txt")"
have="$("$PY" -c 'from importlib.metadata import version; print(version("schemathesis"))' 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  say "installing tests/schemathesis/requirements.txt into .venv (PyPI)"
  "$REPO/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi

# --- server on a free loopback port ------------------------------------------------------------
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/bb-schemathesis.XXXXXX")"
LOGDIR="${BB_LOG_DIR:-$TMP}"
mkdir -p "$LOGDIR"
SERVER_LOG="$LOGDIR/schemathesis-server.log"
ADMIN_LOG="$LOGDIR/schemathesis-admin.log"
export BB_SECRETS_FILE="$LOGDIR/schemathesis-secrets.jsonl"
DB="sqlite://$TMP/bb.db"
SERVER_PID=""
RESULT=1
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$RESULT" -ne 0 ] && [ -f "$SERVER_LOG" ]; then
    printf '\n==> schemathesis: server log (last 60 lines of %s)\n' "$SERVER_LOG" >&2
    tail -n 60 "$SERVER_LOG" >&2 || true
    printf '==> schemathesis: kept %s for inspection (report in report/)\n' "$TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

say "starting $BIN serve on $BASE ($DB, $ENROLLEES sandbox enrollees, seed 7, log filter debug)"
BLUEBUTTON__LOG__FILTER="${BB_LOG_FILTER:-debug}" BLUEBUTTON__LOG__FORMAT=json \
  "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DB" --sandbox-enrollees "$ENROLLEES" --seed 7 \
  >"$SERVER_LOG" 2>&1 </dev/null &
SERVER_PID=$!

health() {
  "$PY" -c 'import sys, urllib.request as u
try: print(u.urlopen(sys.argv[1], timeout=5).status)
except Exception as e: print(getattr(e, "code", ""))' "$BASE/health" 2>/dev/null || true
}
started=$(date +%s)
while :; do
  code="$(health)"
  [ "$code" = 200 ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited before it was healthy (see the log below)"
  waited=$(( $(date +%s) - started ))
  [ "$waited" -lt 180 ] || die "GET /health did not answer 200 within 180 s (last: ${code:-none})"
  sleep 1
done
say "server healthy after $(( $(date +%s) - started )) s"

# --- a developer, an app and a token -------------------------------------------------------------
PASSWORD='Openapi-robot-passw0rd!'
printf '%s\n' "$PASSWORD" | "$BIN" admin create-developer --email fuzz@example.org \
  --organization "Fuzz Test" --password-stdin --database-url "$DB" >/dev/null 2>>"$ADMIN_LOG" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-developer failed"; }
app="$("$BIN" admin create-app --owner fuzz@example.org --name "Schemathesis" --redirect-uri "$CALLBACK" \
  --data-access-type THIRTEEN_MONTH --database-url "$DB" 2>>"$ADMIN_LOG")" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-app failed"; }
export BB_CLIENT_ID BB_CLIENT_SECRET BB_ACCESS_TOKEN
BB_CLIENT_ID="$("$PY" -c 'import json, sys; print(json.load(sys.stdin)["client_id"])' <<<"$app")"
BB_CLIENT_SECRET="$("$PY" -c 'import json, sys; print(json.load(sys.stdin)["client_secret"])' <<<"$app")"
[ -n "$BB_CLIENT_ID" ] && [ -n "$BB_CLIENT_SECRET" ] || die "admin create-app: no client_id/client_secret in its output"
"$PY" - "$BB_SECRETS_FILE" "$PASSWORD" "$BB_CLIENT_SECRET" <<'EOF'
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(json.dumps({"kind": "password", "value": sys.argv[2]}) + "\n")
    f.write(json.dumps({"kind": "client_secret", "value": sys.argv[3]}) + "\n")
EOF
BB_ACCESS_TOKEN="$("$PY" "$HERE/get_token.py" "$BASE" "$BB_CLIENT_ID" "$BB_CLIENT_SECRET" "$CALLBACK" BBUser00000 'PW00000!' "$TMP")" \
  || die "could not get a bearer token through the sandbox login"
# The configuration, plus the enrollee's own ids (get_token.py) for the reads by id: half of
# their cases use a real id (a 200 with a real resource to check), half a generated one.
CONFIG="$TMP/schemathesis.toml"
{
  cat "$HERE/schemathesis.toml"
  for d in patient coverage eob; do printf '\n[dictionaries.%s]\nfrom-file = "%s"\n' "$d" "$TMP/$d.dict"; done
  for op in readPatient:patient readCoverage:coverage readExplanationOfBenefit:eob; do
    printf '\n[[operations]]\ninclude-operation-id = "%s"\nparameters = { "path.id" = { dictionary = "%s", probability = 0.5 } }\n' "${op%%:*}" "${op#*:}"
  done
} >"$CONFIG"
say "app $BB_CLIENT_ID authorized by BBUser00000: bearer token for the FHIR and UserInfo operations"

# --- the fuzzing run ------------------------------------------------------------------------------
say "schemathesis $want: $BASE/docs/openapi.json, $EXAMPLES examples per operation, deterministic"
step_started=$(date +%s)
# From the temporary directory, so its cache (.schemathesis/) stays out of the repository.
if (cd "$TMP" && "$REPO/.venv/bin/schemathesis" --no-color --config-file "$CONFIG" run "$BASE/docs/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" --generation-deterministic --workers 2 \
  --request-timeout 30 --report har --report-har-path "$TMP/report/run.har"); then
  RESULT=0
fi
# What the run read (the FHIR data in its recorded responses) joins the secrets file.
if compgen -G "$TMP/report/*.har" >/dev/null; then
  "$PY" "$REPO/tests/loghygiene/collect.py" har "$TMP/report/"*.har
fi
say "fuzzing took $(( $(date +%s) - step_started )) s"
exit "$RESULT"
