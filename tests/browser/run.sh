#!/usr/bin/env bash
# Browser journeys in headless Debian Chromium driven by playwright-core (npm, exact pin), each
# page checked with axe-core (npm, exact pin) and saved as a screenshot:
#   journey.mjs  J2 (an app sends the enrollee to /v2/o/authorize → sandbox login → consent →
#                back to the app with a code → tokens → claims), in English and Spanish, with
#                a denial and an error page, then J3 (connected apps: list, "who read my
#                data", revoke);
#   j1.mjs       J1 (a developer signs up, confirms the address from the e-mail, signs in,
#                turns on two-step sign-in, changes and resets the password);
#   j4.mjs       J4 (the E2E organization asks for production access: terms, request with
#                PDFs, two reviewers, a booked demo and its .ics, a concern, approval and its
#                confirmation, …) and J5 (a policy change);
#   sample.mjs   the sample app (crates/sample-app, on the Rust SDK): privacy notice, Connect,
#                sandbox login and consent, the claims table, totals per year and SVG chart,
#                Disconnect revoking the authorization (checked on the connected-apps page).
# No browser is ever downloaded.
#
#   tests/browser/run.sh BLUEBUTTON_BINARY
#
# The sample app's binary is `bb-sample-app` next to BLUEBUTTON_BINARY (cargo build -p bb-cli
# -p bb-sample-app), or the one named by BB_SAMPLE_APP_BIN.
#
# Installs what it needs when missing: Debian's `chromium` (apt-get, only when running as
# root), tests/browser/node_modules (npm ci) and aiosmtpd in the repository's .venv (pip).
# Starts the test SMTP server (tests/smtp/run-server.sh) on a free loopback port and the
# server on another (never 8000, which tests/sdk needs) on a temporary SQLite store (20
# sandbox enrollees, seed 3), its [mail] settings pointing at that SMTP server
# (BLUEBUTTON__MAIL__*, links to the server's own origin); creates a developer and the app
# "E2E Health App" with `bluebutton admin`, and runs journey.mjs (which plays the client app
# itself on a third free port), then j1.mjs (which reads the received messages).
#
# A screenshot of every page is saved under $CARGO_TARGET_DIR/browser-screenshots/<journey>/
# (target/browser-screenshots/ when CARGO_TARGET_DIR is unset), NN-<page>.png, on every run.
# Exits non-zero when a step fails; then the failing pages' screenshots, the server log, the
# SMTP server's log and the journeys' output stay in the temporary directory it names.
#
# Logs: the server runs at the debug level (BB_LOG_FILTER, default debug; JSON lines); its
# log, the admin commands' and the sample app's go to $BB_LOG_DIR/browser-server.log,
# browser-admin.log and browser-sample-app.log (scripts/test sets BB_LOG_DIR; otherwise the
# temporary directory), and every sensitive value the journeys handed out or read to
# $BB_LOG_DIR/browser-secrets.jsonl (harness.mjs), for tests/loghygiene/check.py.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CHROMIUM=/usr/bin/chromium
ENROLLEES=20
SEED=3
say() { printf '==> browser: %s\n' "$*"; }
die() { printf 'tests/browser/run.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tests/browser/run.sh BLUEBUTTON_BINARY"
BIN="$1"
case "$BIN" in */*) BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" ;; *) BIN="$(command -v "$BIN" || true)" ;; esac
[ -n "$BIN" ] && [ -x "$BIN" ] || die "not an executable: $1 (build it first: cargo build -p bb-cli)"
SAMPLE_BIN="${BB_SAMPLE_APP_BIN:-$(dirname "$BIN")/bb-sample-app}"
[ -x "$SAMPLE_BIN" ] || die "not an executable: $SAMPLE_BIN (build it first: cargo build -p bb-sample-app, or set BB_SAMPLE_APP_BIN)"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found"
command -v curl >/dev/null || die "curl not found"

# Loopback only; keep any configured proxy out of it (Chromium and curl read these).
export NO_PROXY="localhost,127.0.0.1,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# --- dependencies (Debian's package and npm only) --------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null
      apt-get install -y --no-install-recommends chromium >/dev/null
    }
  fi
  [ -x "$CHROMIUM" ] || die "$CHROMIUM not found: install Debian's package \`chromium\` (as root: apt-get install -y --no-install-recommends chromium)"
fi
pinned="$(node -p 'require(process.argv[1]).dependencies["playwright-core"]' "$HERE/package.json")"
axe_pinned="$(node -p 'require(process.argv[1]).dependencies["axe-core"]' "$HERE/package.json")"
# Every dependency installed at its pinned version, or npm ci.
if ! node -e '
  const fs = require("fs"), path = require("path");
  const deps = require(path.join(process.argv[1], "package.json")).dependencies;
  for (const [name, want] of Object.entries(deps)) {
    let have = "";
    try { have = JSON.parse(fs.readFileSync(path.join(process.argv[1], "node_modules", name, "package.json"), "utf8")).version; } catch {}
    if (have !== want) process.exit(1);
  }' "$HERE"; then
  say "installing tests/browser/node_modules (npm ci: playwright-core $pinned, axe-core $axe_pinned)"
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
# The test SMTP server (PyPI aiosmtpd) in the repository's git-ignored .venv, as scripts/test.
PYTHON="$ROOT/.venv/bin/python"
if ! "$PYTHON" -c "import aiosmtpd" >/dev/null 2>&1; then
  command -v python3 >/dev/null || die "python3 not found"
  say "installing the test SMTP server (aiosmtpd) into .venv"
  [ -x "$PYTHON" ] || python3 -m venv "$ROOT/.venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/tests/smtp/requirements.txt"
fi

# --- where every page's screenshot goes ----------------------------------------------------------
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET" in /*) ;; *) TARGET="$PWD/$TARGET" ;; esac
SCREENSHOTS="$TARGET/browser-screenshots"
mkdir -p "$SCREENSHOTS"

# --- ports: three free loopback ports from the OS, never 8000 ---------------------------------
free_port() {
  node -e '
    const net = require("net");
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => console.log(p)); });'
}
PORT="$(free_port)"
while [ "$PORT" = 8000 ]; do PORT="$(free_port)"; done
APP_PORT="$(free_port)"
while [ "$APP_PORT" = 8000 ] || [ "$APP_PORT" = "$PORT" ]; do APP_PORT="$(free_port)"; done
SMTP_PORT="$(free_port)"
while [ "$SMTP_PORT" = 8000 ] || [ "$SMTP_PORT" = "$PORT" ] || [ "$SMTP_PORT" = "$APP_PORT" ]; do SMTP_PORT="$(free_port)"; done
SAMPLE_PORT="$(free_port)"
while [ "$SAMPLE_PORT" = 8000 ] || [ "$SAMPLE_PORT" = "$PORT" ] || [ "$SAMPLE_PORT" = "$APP_PORT" ] || [ "$SAMPLE_PORT" = "$SMTP_PORT" ]; do SAMPLE_PORT="$(free_port)"; done
SAMPLE="http://127.0.0.1:$SAMPLE_PORT"
BASE="http://127.0.0.1:$PORT"
CALLBACK="http://127.0.0.1:$APP_PORT/callback"

# --- server ----------------------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/bb-browser.XXXXXX")"
LOGDIR="${BB_LOG_DIR:-$TMP}"
mkdir -p "$LOGDIR"
SERVER_LOG="$LOGDIR/browser-server.log"
ADMIN_LOG="$LOGDIR/browser-admin.log"
SAMPLE_LOG="$LOGDIR/browser-sample-app.log"
export BB_SECRETS_FILE="$LOGDIR/browser-secrets.jsonl"
# record KIND VALUE: one line of the secrets file.
record() { node -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify({ kind: process.argv[2], value: process.argv[3] }) + "\n")' "$BB_SECRETS_FILE" "$1" "$2"; }
DB="sqlite://$TMP/bb.db"
SERVER_PID=""
SMTP_PID=""
SAMPLE_PID=""
RESULT=1
cleanup() {
  if [ -n "$SAMPLE_PID" ]; then kill "$SAMPLE_PID" 2>/dev/null || true; wait "$SAMPLE_PID" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$SMTP_PID" ]; then kill "$SMTP_PID" 2>/dev/null || true; fi
  if [ "$RESULT" -ne 0 ]; then
    if [ -f "$SERVER_LOG" ]; then
      printf '\n==> browser: server log (last 40 lines of %s)\n' "$SERVER_LOG" >&2
      tail -n 40 "$SERVER_LOG" >&2 || true
    fi
    printf '==> browser: kept %s for inspection (failing pages: %s/*-FAIL-*.png; server.log, smtp.log, mail/, *.out)\n' "$TMP" "$TMP" >&2
    printf '==> browser: screenshots of every page visited: %s\n' "$SCREENSHOTS" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

# --- the test SMTP server: every message it receives is a JSON file in $TMP/mail ----------------
mkdir -p "$TMP/mail"
SMTP_PID="$(SMTP_DIR="$TMP/mail" SMTP_HOST=127.0.0.1 SMTP_PORT="$SMTP_PORT" SMTP_LOG="$TMP/smtp.log" \
  PYTHON="$PYTHON" "$ROOT/tests/smtp/run-server.sh")" || die "the test SMTP server did not start (see $TMP/smtp.log)"
say "test SMTP server on 127.0.0.1:$SMTP_PORT (pid $SMTP_PID, messages in $TMP/mail)"

say "starting $BIN serve on $BASE ($DB, $ENROLLEES sandbox enrollees, seed $SEED, mail to 127.0.0.1:$SMTP_PORT, log filter ${BB_LOG_FILTER:-debug})"
BLUEBUTTON__LOG__FILTER="${BB_LOG_FILTER:-debug}" BLUEBUTTON__LOG__FORMAT=json BLUEBUTTON__MAIL__SMTP_HOST=127.0.0.1 BLUEBUTTON__MAIL__SMTP_PORT="$SMTP_PORT" BLUEBUTTON__MAIL__SECURITY=none \
  BLUEBUTTON__MAIL__BASE_URL="$BASE" BLUEBUTTON__MAIL__FROM="Blue Button sandbox <no-reply@sandbox.example.org>" \
  "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DB" --sandbox-enrollees "$ENROLLEES" --seed "$SEED" \
  >"$SERVER_LOG" 2>&1 </dev/null &
SERVER_PID=$!

health() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/health" 2>/dev/null || true; }
started=$(date +%s)
while :; do
  code="$(health)"
  [ "$code" = 200 ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited before it was healthy (see the log below)"
  waited=$(( $(date +%s) - started ))
  [ "$waited" -lt 180 ] || die "GET /health did not answer 200 within 180 s (last: ${code:-none})"
  if [ "$waited" -gt 0 ] && [ $(( waited % 15 )) -eq 0 ]; then say "waiting for /health (${waited} s)"; fi
  sleep 1
done
say "server healthy after $(( $(date +%s) - started )) s"

# --- a developer and the app -----------------------------------------------------------------
record password 'E2e-browser-passw0rd!'
printf '%s\n' 'E2e-browser-passw0rd!' | "$BIN" admin create-developer --email e2e@example.org \
  --organization "E2E Org" --password-stdin --database-url "$DB" >"$TMP/developer.json" 2>>"$ADMIN_LOG" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-developer failed"; }
"$BIN" admin create-app --owner e2e@example.org --name "E2E Health App" --redirect-uri "$CALLBACK" \
  --database-url "$DB" >"$TMP/app.json" 2>>"$ADMIN_LOG" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-app failed"; }
read -r CLIENT_ID CLIENT_SECRET < <(node -e '
  const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(a.client_id || "", a.client_secret || "");' "$TMP/app.json") || true
[ -n "${CLIENT_ID:-}" ] && [ -n "${CLIENT_SECRET:-}" ] || die "admin create-app: no client_id/client_secret in $TMP/app.json"
record client_secret "$CLIENT_SECRET"
say "created developer e2e@example.org and app \"E2E Health App\" (redirect URI $CALLBACK)"
STAFF_PASSWORD='Reviewer-browser-passw0rd!'
record password "$STAFF_PASSWORD"
for who in alice bob; do
  printf '%s\n' "$STAFF_PASSWORD" | "$BIN" admin create-staff --email "$who@review.example.org" --role reviewer \
    --password-stdin --database-url "$DB" >"$TMP/staff-$who.json" 2>>"$ADMIN_LOG" \
    || { cat "$ADMIN_LOG" >&2; die "admin create-staff $who failed"; }
done
say "created reviewers alice@review.example.org and bob@review.example.org"

# --- the sample app (crates/sample-app) with its own registered app ------------------------------
"$BIN" admin create-app --owner e2e@example.org --name "Sample Claims Viewer" --redirect-uri "$SAMPLE/callback" \
  --database-url "$DB" >"$TMP/sample-app.json" 2>>"$ADMIN_LOG" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-app (sample app) failed"; }
read -r SAMPLE_ID SAMPLE_SECRET < <(node -e '
  const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(a.client_id || "", a.client_secret || "");' "$TMP/sample-app.json") || true
[ -n "${SAMPLE_ID:-}" ] && [ -n "${SAMPLE_SECRET:-}" ] || die "admin create-app: no credentials in $TMP/sample-app.json"
record client_secret "$SAMPLE_SECRET"
BLUEBUTTON_BASE_URL="$BASE" BLUEBUTTON_CLIENT_ID="$SAMPLE_ID" BLUEBUTTON_CLIENT_SECRET="$SAMPLE_SECRET" \
  BLUEBUTTON_CALLBACK_URL="$SAMPLE/callback" "$SAMPLE_BIN" >"$SAMPLE_LOG" 2>&1 </dev/null &
SAMPLE_PID=$!
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SAMPLE/" 2>/dev/null || true)" = 200 ] && break
  kill -0 "$SAMPLE_PID" 2>/dev/null || { cat "$SAMPLE_LOG" >&2; die "bb-sample-app exited"; }
  sleep 0.2
done
say "sample app on $SAMPLE (app \"Sample Claims Viewer\", log $SAMPLE_LOG)"

# --- the journeys --------------------------------------------------------------------------------
say "screenshots of every page: $SCREENSHOTS/{j2-j3,j1,j4,sample}/"
common=(BB_BASE="$BASE" BB_CHROMIUM="$CHROMIUM" BB_ARTIFACTS="$TMP" BB_SCREENSHOTS="$SCREENSHOTS")
say "journey J2 → J3 in $("$CHROMIUM" --version 2>/dev/null | head -n 1) with playwright-core $pinned, axe-core $axe_pinned"
rc=0
env "${common[@]}" BB_APP_PORT="$APP_PORT" BB_CLIENT_ID="$CLIENT_ID" BB_CLIENT_SECRET="$CLIENT_SECRET" \
  timeout 600 node "$HERE/journey.mjs" 2>&1 | tee "$TMP/journey.out" || rc=$?
say "journey J1 (sign-up, e-mail by SMTP, sign-in, two-step sign-in, password change and reset)"
rc1=0
env "${common[@]}" BB_SMTP_DIR="$TMP/mail" \
  timeout 600 node "$HERE/j1.mjs" 2>&1 | tee "$TMP/j1.out" || rc1=$?
say "journey J4 → J5 (production access with two reviewers, then a policy change)"
rc4=0
env "${common[@]}" BB_SMTP_DIR="$TMP/mail" BB_DEV_EMAIL=e2e@example.org BB_DEV_PASSWORD='E2e-browser-passw0rd!' \
  BB_REVIEWER1_EMAIL=alice@review.example.org BB_REVIEWER2_EMAIL=bob@review.example.org BB_STAFF_PASSWORD="$STAFF_PASSWORD" \
  timeout 900 node "$HERE/j4.mjs" 2>&1 | tee "$TMP/j4.out" || rc4=$?
say "sample app journey (privacy notice, connect, claims table/totals/chart, disconnect)"
rc2=0
env "${common[@]}" BB_SAMPLE_APP="$SAMPLE" \
  timeout 600 node "$HERE/sample.mjs" 2>&1 | tee "$TMP/sample.out" || rc2=$?
say "screenshots: $(find "$SCREENSHOTS" -name '*.png' | wc -l) pages in $SCREENSHOTS"
[ "$rc" -eq 0 ] && [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ "$rc4" -eq 0 ] && RESULT=0
exit "$RESULT"
