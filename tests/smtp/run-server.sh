#!/usr/bin/env bash
# Starts the test SMTP server (smtp_server.py, aiosmtpd) in the background, waits until it
# listens, and prints its PID (the only thing on stdout), e.g.
#
#   SMTP_PID=$(SMTP_DIR=/tmp/mail tests/smtp/run-server.sh)
#   trap 'kill "$SMTP_PID"' EXIT
#   BB_TEST_SMTP=127.0.0.1:9425 BB_TEST_SMTP_DIR=/tmp/mail cargo test ...
#
# Needs aiosmtpd in the repository's .venv (scripts/test installs it from
# tests/smtp/requirements.txt). The server's output goes to $SMTP_LOG (default: a new
# $TMPDIR/bb-smtp-server.PORT.XXXXXX.log), never to this script's stdout.
#
# Environment: SMTP_DIR (required: where received messages are written as JSON),
#   SMTP_HOST (127.0.0.1), SMTP_PORT (9425), PYTHON (.venv/bin/python), SMTP_LOG,
#   SMTP_READY_TIMEOUT (seconds, 30).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

: "${SMTP_DIR:?run-server.sh: set SMTP_DIR to the folder for received messages}"
export SMTP_DIR SMTP_HOST="${SMTP_HOST:-127.0.0.1}" SMTP_PORT="${SMTP_PORT:-9425}"
python="${PYTHON:-$root/.venv/bin/python}"
log="${SMTP_LOG:-$(mktemp "${TMPDIR:-/tmp}/bb-smtp-server.$SMTP_PORT.XXXXXX.log")}"
timeout="${SMTP_READY_TIMEOUT:-30}"

if ! "$python" -c "import aiosmtpd" >/dev/null 2>&1; then
    echo "run-server.sh: aiosmtpd is not installed for $python; run: $python -m pip install -r tests/smtp/requirements.txt" >&2
    exit 1
fi

: >"$log"
"$python" -u "$here/smtp_server.py" </dev/null >>"$log" 2>&1 &
pid=$!

deadline=$((SECONDS + timeout))
until grep -q '^READY ' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "run-server.sh: the SMTP server exited before it was ready:" >&2
        cat "$log" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        echo "run-server.sh: the SMTP server was not ready after ${timeout}s:" >&2
        cat "$log" >&2
        kill "$pid" 2>/dev/null || true
        exit 1
    fi
    sleep 0.2
done

echo "run-server.sh: $(grep -m1 '^READY ' "$log") (pid $pid, log $log)" >&2
echo "$pid"
