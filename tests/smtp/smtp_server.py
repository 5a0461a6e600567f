"""A real SMTP server on loopback for the end-to-end e-mail test (aiosmtpd).

Every message it accepts is written to $SMTP_DIR as one JSON file (NNNNNN.json):
{"mail_from", "rcpt_tos", "from", "to", "subject", "body"} where body is the decoded
text/plain part, as a mail client would show it. Prints "READY HOST:PORT" on stdout once
it listens; stops on SIGTERM or SIGINT.

Environment: SMTP_HOST (127.0.0.1), SMTP_PORT (9425), SMTP_DIR (required).
"""

import email
import email.policy
import itertools
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Maildir:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "subject": str(message.get("Subject", "")),
            "body": part.get_content() if part is not None else "",
        }
        with self.lock:
            number = next(self.counter)
        path = os.path.join(self.folder, f"{number:06d}.json")
        # Written under a temporary name, then renamed: a reader never sees half a file.
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(path + ".tmp", path)
        return "250 Message accepted for delivery"


def main():
    host = os.environ.get("SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("SMTP_PORT", "9425"))
    folder = os.environ.get("SMTP_DIR")
    if not folder:
        print("smtp_server.py: SMTP_DIR is not set", file=sys.stderr)
        sys.exit(2)
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Maildir(folder), hostname=host, port=port)
    controller.start()
    print(f"READY {host}:{port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
