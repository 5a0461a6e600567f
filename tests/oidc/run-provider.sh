#!/usr/bin/env bash
# Starts the test OpenID Connect provider (provider.mjs) in the background, waits until it
# listens, and prints its PID (the only thing on stdout), e.g.
#
#   OIDC_PID=$(tests/oidc/run-provider.sh)
#   trap 'kill "$OIDC_PID"' EXIT
#   BB_TEST_OIDC_PROVIDER=http://127.0.0.1:9410 cargo test ...
#
# Installs node_modules from package-lock.json first if they are missing. The provider's
# output goes to $OIDC_LOG (default: a new $TMPDIR/bb-oidc-provider.PORT.XXXXXX.log), never to this
# script's stdout, so that $(...) returns as soon as the PID is printed.
#
# Environment (defaults are the integration test's client, crates/domain/tests/it/upstream.rs):
#   PORT (9410), CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, MBI, OIDC_LOG,
#   OIDC_READY_TIMEOUT (seconds, 30).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

export PORT="${PORT:-9410}"
export CLIENT_ID="${CLIENT_ID:-bluebutton-test}"
export CLIENT_SECRET="${CLIENT_SECRET:-bluebutton-test-secret-0123456789}"
export REDIRECT_URI="${REDIRECT_URI:-http://127.0.0.1:9/cb}"
export MBI="${MBI:-1S00E00AA00}"
log="${OIDC_LOG:-$(mktemp "${TMPDIR:-/tmp}/bb-oidc-provider.$PORT.XXXXXX.log")}"
timeout="${OIDC_READY_TIMEOUT:-30}"

command -v node >/dev/null || { echo "run-provider.sh: node is not installed" >&2; exit 1; }

if [[ ! -f node_modules/oidc-provider/package.json ]]; then
    echo "run-provider.sh: installing node_modules (npm ci)" >&2
    npm ci --no-audit --no-fund >&2
fi

: >"$log"
# Starts the provider and waits for READY; returns 2 on a timeout so the caller may retry
# (a provider once hung at start on a busy machine, printing nothing after its first line).
start() {
    node provider.mjs </dev/null >>"$log" 2>&1 &
    pid=$!
    local deadline=$((SECONDS + timeout))
    until grep -q '^READY ' "$log"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "run-provider.sh: the provider exited before it was ready:" >&2
            cat "$log" >&2
            exit 1
        fi
        if ((SECONDS >= deadline)); then
            echo "run-provider.sh: the provider was not ready after ${timeout}s:" >&2
            cat "$log" >&2
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
            return 2
        fi
        sleep 0.2
    done
}

if ! start; then
    echo "run-provider.sh: starting it once more" >&2
    : >"$log"
    start || exit 1
fi

echo "run-provider.sh: $(grep -m1 '^READY ' "$log") (pid $pid, log $log)" >&2
echo "$pid"
