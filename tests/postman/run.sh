#!/usr/bin/env bash
# The Postman collection of docs/postman/, run unattended by newman (npm, pinned in
# package.json here) against a freshly started sandbox server: discovery, the
# authorization code flow with PKCE through the sandbox login and consent, the token
# exchange, Patient/Coverage/ExplanationOfBenefit with paging, UserInfo, refresh,
# introspection and revocation, each request with its assertions.
#
#   tests/postman/run.sh BLUEBUTTON_BINARY
#
# Installs newman into tests/postman/node_modules when missing (npm ci, from the npm
# registry only). Starts the server on a free loopback port over a temporary SQLite store
# (5 sandbox enrollees, seed 7), creates a developer and an app with `bluebutton admin`,
# runs the collection with the environment's values overridden (--env-var), stops the
# server. Exits non-zero when any assertion or request fails (with the server log's tail).
#
# Logs: the server runs at the debug level (BB_LOG_FILTER, default debug; JSON lines); its
# log and the admin commands' go to $BB_LOG_DIR/postman-server.log and postman-admin.log
# (scripts/test sets BB_LOG_DIR; otherwise the temporary directory). newman's JSON report
# (every request and response) is read by secrets.mjs into $BB_LOG_DIR/postman-secrets.jsonl,
# for tests/loghygiene/check.py.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COLLECTION="$REPO/docs/postman/bluebutton.postman_collection.json"
ENVIRONMENT="$REPO/docs/postman/sandbox.postman_environment.json"
CALLBACK="http://127.0.0.1:9/postman/callback/"
ENROLLEES=5
say() { printf '==> postman: %s\n' "$*"; }
die() { printf 'tests/postman/run.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: tests/postman/run.sh BLUEBUTTON_BINARY"
BIN="$1"
case "$BIN" in */*) BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")" ;; *) BIN="$(command -v "$BIN" || true)" ;; esac
[ -n "$BIN" ] && [ -x "$BIN" ] || die "not an executable: $1 (build it first: cargo build -p bb-cli)"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm not found"

export NO_PROXY="localhost,127.0.0.1,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

# --- newman (npm registry only) ----------------------------------------------------------------
want="$(node -p 'require(process.argv[1]).dependencies.newman' "$HERE/package.json")"
have="$(node -p 'try { require(process.argv[1]).version } catch (e) { "" }' "$HERE/node_modules/newman/package.json" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  say "installing newman $want into tests/postman/node_modules (npm ci)"
  (cd "$HERE" && npm ci --no-audit --no-fund --silent)
fi
NEWMAN="$HERE/node_modules/.bin/newman"

# --- server on a free loopback port ------------------------------------------------------------
PORT="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
BASE="http://127.0.0.1:$PORT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/bb-postman.XXXXXX")"
LOGDIR="${BB_LOG_DIR:-$TMP}"
mkdir -p "$LOGDIR"
SERVER_LOG="$LOGDIR/postman-server.log"
ADMIN_LOG="$LOGDIR/postman-admin.log"
export BB_SECRETS_FILE="$LOGDIR/postman-secrets.jsonl"
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
    printf '\n==> postman: server log (last 60 lines of %s)\n' "$SERVER_LOG" >&2
    tail -n 60 "$SERVER_LOG" >&2 || true
    printf '==> postman: kept %s for inspection\n' "$TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

say "starting $BIN serve on $BASE ($DB, $ENROLLEES sandbox enrollees, seed 7, log filter ${BB_LOG_FILTER:-debug})"
BLUEBUTTON__LOG__FILTER="${BB_LOG_FILTER:-debug}" BLUEBUTTON__LOG__FORMAT=json "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$DB" --sandbox-enrollees "$ENROLLEES" --seed 7 \
  >"$SERVER_LOG" 2>&1 </dev/null &
SERVER_PID=$!

health() {
  node -e 'require("http").get(process.argv[1], r => { console.log(r.statusCode); r.resume(); }).on("error", () => console.log(""))' "$BASE/health" 2>/dev/null || true
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

# --- a developer and an app --------------------------------------------------------------------
# The developer's password (typed here, never sent by the collection) is checked for too.
node -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify({ kind: "password", value: process.argv[2] }) + "\n")' \
  "$BB_SECRETS_FILE" 'Sandbox-docs-passw0rd!'
printf '%s\n' 'Sandbox-docs-passw0rd!' | "$BIN" admin create-developer --email postman@example.org \
  --organization "Postman Test" --password-stdin --database-url "$DB" >/dev/null 2>>"$ADMIN_LOG" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-developer failed"; }
app="$("$BIN" admin create-app --owner postman@example.org --name "Postman" --redirect-uri "$CALLBACK" \
  --data-access-type THIRTEEN_MONTH --database-url "$DB" 2>>"$ADMIN_LOG")" \
  || { cat "$ADMIN_LOG" >&2; die "admin create-app failed"; }
CLIENT_ID="$(node -p 'JSON.parse(process.argv[1]).client_id' "$app")"
CLIENT_SECRET="$(node -p 'JSON.parse(process.argv[1]).client_secret' "$app")"
[ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] || die "admin create-app: no client_id/client_secret in its output"
say "created app $CLIENT_ID"

# --- the collection ----------------------------------------------------------------------------
say "newman run docs/postman/bluebutton.postman_collection.json"
if "$NEWMAN" run "$COLLECTION" -e "$ENVIRONMENT" \
  --env-var "baseUrl=$BASE" \
  --env-var "clientId=$CLIENT_ID" \
  --env-var "clientSecret=$CLIENT_SECRET" \
  --env-var "redirectUri=$CALLBACK" \
  --env-var "sandboxUser=BBUser00000" \
  --env-var "sandboxPassword=PW00000!" \
  --bail failure --color off --disable-unicode --timeout-request 60000 \
  --reporters cli,json --reporter-json-export "$TMP/newman.json"; then
  RESULT=0
fi
# Even after a failure: what the run handed out or read is checked for in the logs.
if [ -f "$TMP/newman.json" ]; then
  node "$HERE/secrets.mjs" "$TMP/newman.json" || RESULT=1
else
  say "no newman report ($TMP/newman.json)"; RESULT=1
fi
exit "$RESULT"
