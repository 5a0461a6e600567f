#!/usr/bin/env bash
# End-to-end compatibility suite: CMS's official Blue Button 2.0 client SDKs, unmodified —
# PyPI cms-bluebutton-sdk 1.1.0 and npm cms-bluebutton-sdk 1.0.13 — driven through login,
# consent, code exchange, FHIR reads, paging, refresh, revocation and denial against a
# freshly started bluebutton server on http://localhost:8000 (the SDKs' LOCAL environment).
#
#   tests/sdk/run.sh BLUEBUTTON_BINARY
#
# Installs what it needs when missing (only from PyPI and npm): tests/sdk/requirements.txt
# into the repository's .venv (created when absent) and tests/sdk/node_modules (npm ci).
# Starts the server on a temporary SQLite store (120 sandbox enrollees, seed 7), creates a
# developer and six apps with `bluebutton admin`, runs python_flow.py and node_flow.mjs,
# stops the server. Exits non-zero when either fails (with the server log's tail).
# Port 8000 must be free: the SDKs' LOCAL base URL is hard-wired to http://localhost:8000.
#
# Logs: the server runs at the debug level (BB_LOG_FILTER, default debug; JSON lines); its
# log and the admin commands' go to $BB_LOG_DIR/sdk-server.log and sdk-admin.log (scripts/test
# sets BB_LOG_DIR; otherwise the temporary directory), and every sensitive value the flows
# handed out or read to $BB_LOG_DIR/sdk-secrets.jsonl (tests/loghygiene/collect.*), for
# tests/loghygiene/check.py.
set -euo pipefail

SDK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SDK_DIR/../.." && pwd)"
PORT=8000
CALLBACK="http://localhost:3001/api/bluebutton/callback/"
ENROLLEES=120
say() { printf '==> sdk: %s\n' "$*"; }
die() { printf 'tests/sdk/run.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tests/sdk/run.sh BLUEBUTTON_BINARY"
BIN="$1"
case "$BIN" in */*) BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" ;; *) BIN="$(command -v "$BIN" || true)" ;; esac
[ -n "$BIN" ] && [ -x "$BIN" ] || die "not an executable: $1 (build it first: cargo build -p bb-cli)"
command -v python3 >/dev/null || die "python3 not found"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found"

# The SDKs call localhost; keep any configured proxy out of it.
export NO_PROXY="localhost,127.0.0.1,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
# No __pycache__ next to tests/loghygiene/collect.py (python_flow.py imports it).
export PYTHONDONTWRITEBYTECODE=1

# --- dependencies (registries only) ----------------------------------------------------------
PY="$REPO/.venv/bin/python"
if [ ! -x "$PY" ]; then
  say "creating $REPO/.venv"
  python3 -m venv "$REPO/.venv"
fi
# Every exact pin of requirements.txt must be what is installed.
if ! "$PY" - "$SDK_DIR/requirements.txt" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version, PackageNotFoundError
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, _, pinned = line.partition("==")
    try:
        if version(name.strip()) != pinned.strip():
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
then
  say "installing tests/sdk/requirements.txt into .venv (PyPI)"
  "$REPO/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$SDK_DIR/requirements.txt"
fi
if [ ! -f "$SDK_DIR/node_modules/cms-bluebutton-sdk/package.json" ]; then
  say "installing tests/sdk/node_modules (npm ci)"
  (cd "$SDK_DIR" && npm ci --no-audit --no-fund --silent)
fi

# --- server --------------------------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/$1/$PORT") 2>/dev/null; }
if port_open 127.0.0.1 || port_open ::1; then
  die "port $PORT is already in use (the SDKs' LOCAL environment is http://localhost:$PORT): stop whatever listens there, e.g. \`ss -ltnp 'sport = :$PORT'\`"
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/bb-sdk.XXXXXX")"
LOGDIR="${BB_LOG_DIR:-$TMP}"
mkdir -p "$LOGDIR"
SERVER_LOG="$LOGDIR/sdk-server.log"
ADMIN_LOG="$LOGDIR/sdk-admin.log"
export BB_SECRETS_FILE="$LOGDIR/sdk-secrets.jsonl"
# record KIND VALUE: one line of the secrets file (the value read from stdin, not argv).
record() { printf '%s' "$2" | "$PY" -c 'import json, sys; open(sys.argv[1], "a").write(json.dumps({"kind": sys.argv[2], "value": sys.stdin.read()}) + "\n")' "$BB_SECRETS_FILE" "$1"; }
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
    printf '\n==> sdk: server log (last 60 lines of %s)\n' "$SERVER_LOG" >&2
    tail -n 60 "$SERVER_LOG" >&2 || true
    printf '==> sdk: kept %s for inspection\n' "$TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

say "starting $BIN serve on 127.0.0.1:$PORT ($DB, $ENROLLEES sandbox enrollees, seed 7, log filter ${BB_LOG_FILTER:-debug})"
BLUEBUTTON__LOG__FILTER="${BB_LOG_FILTER:-debug}" BLUEBUTTON__LOG__FORMAT=json "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DB" --sandbox-enrollees "$ENROLLEES" --seed 7 \
  >"$SERVER_LOG" 2>&1 </dev/null &
SERVER_PID=$!

health() {
  if command -v curl >/dev/null; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/health" 2>/dev/null || true
  else
    "$PY" -c 'import sys, urllib.request as u
try: print(u.urlopen(sys.argv[1], timeout=5).status)
except Exception as e: print(getattr(e, "code", ""))' "http://127.0.0.1:$PORT/health" 2>/dev/null || true
  fi
}
started=$(date +%s)
while :; do
  code="$(health)"
  [ "$code" = 200 ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited before it was healthy (see the log below)"
  waited=$(( $(date +%s) - started ))
  [ "$waited" -lt 180 ] || die "GET /health did not answer 200 within 180 s (last: ${code:-none})"
  if [ $(( waited % 10 )) -eq 0 ]; then say "waiting for /health (${waited} s; sandbox generation runs first)"; fi
  sleep 1
done
say "server healthy after $(( $(date +%s) - started )) s"

# --- a developer and the apps ----------------------------------------------------------------
record password 'Sdk-test-passw0rd!'
printf '%s\n' 'Sdk-test-passw0rd!' | "$BIN" admin create-developer --email sdk@example.org \
  --organization "SDK Test" --password-stdin --database-url "$DB" >"$TMP/developer.json" 2>>"$ADMIN_LOG" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-developer failed"; }

# create_app NAME [extra flags…] → sets APP_ID and APP_SECRET
create_app() {
  local name="$1"; shift
  local out
  out="$("$BIN" admin create-app --owner sdk@example.org --name "$name" --redirect-uri "$CALLBACK" \
    --database-url "$DB" "$@" 2>>"$ADMIN_LOG")" \
    || { cat "$ADMIN_LOG" >&2; die "admin create-app --name \"$name\" failed"; }
  APP_ID="$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <<<"$out")"
  APP_SECRET="$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <<<"$out")"
  [ -n "$APP_ID" ] && [ -n "$APP_SECRET" ] || die "admin create-app --name \"$name\": no client_id/client_secret in its output"
  record client_secret "$APP_SECRET"
}
declare -A CRED
for sdk in python node; do
  create_app "SDK $sdk" --data-access-type THIRTEEN_MONTH
  CRED[$sdk.main.id]=$APP_ID; CRED[$sdk.main.secret]=$APP_SECRET
  create_app "SDK $sdk one-time" --data-access-type ONE_TIME
  CRED[$sdk.onetime.id]=$APP_ID; CRED[$sdk.onetime.secret]=$APP_SECRET
  create_app "SDK $sdk no demographics" --data-access-type THIRTEEN_MONTH --no-demographics
  CRED[$sdk.nodemo.id]=$APP_ID; CRED[$sdk.nodemo.secret]=$APP_SECRET
done
say "created developer sdk@example.org and 6 apps (main, ONE_TIME, no demographics; per SDK)"

# run_sdk SDK COMMAND… with that SDK's apps in the environment
run_sdk() {
  local sdk="$1"; shift
  env BB_CALLBACK_URL="$CALLBACK" BB_SANDBOX_USERS="$ENROLLEES" \
    BB_MAIN_CLIENT_ID="${CRED[$sdk.main.id]}" BB_MAIN_CLIENT_SECRET="${CRED[$sdk.main.secret]}" \
    BB_ONETIME_CLIENT_ID="${CRED[$sdk.onetime.id]}" BB_ONETIME_CLIENT_SECRET="${CRED[$sdk.onetime.secret]}" \
    BB_NODEMO_CLIENT_ID="${CRED[$sdk.nodemo.id]}" BB_NODEMO_CLIENT_SECRET="${CRED[$sdk.nodemo.secret]}" \
    timeout 900 "$@"
}

say "Python SDK (cms-bluebutton-sdk 1.1.0)"
py_rc=0
run_sdk python "$PY" "$SDK_DIR/python_flow.py" | tee "$TMP/python.out" || py_rc=$?
say "Node SDK (cms-bluebutton-sdk 1.0.13)"
node_rc=0
(cd "$SDK_DIR" && run_sdk node node "$SDK_DIR/node_flow.mjs") | tee "$TMP/node.out" || node_rc=$?

count() { grep -c "^$1 - " "$2" 2>/dev/null || true; }
passed=$(( $(count ok "$TMP/python.out") + $(count ok "$TMP/node.out") ))
failed=$(( $(count 'not ok' "$TMP/python.out") + $(count 'not ok' "$TMP/node.out") ))
if [ "$py_rc" -ne 0 ] && [ "$(count 'not ok' "$TMP/python.out")" -eq 0 ]; then failed=$((failed + 1)); fi
if [ "$node_rc" -ne 0 ] && [ "$(count 'not ok' "$TMP/node.out")" -eq 0 ]; then failed=$((failed + 1)); fi
say "python exit $py_rc, node exit $node_rc"
echo "sdk: $passed passed, $failed failed"
if [ "$py_rc" -eq 0 ] && [ "$node_rc" -eq 0 ]; then RESULT=0; fi
exit "$RESULT"
