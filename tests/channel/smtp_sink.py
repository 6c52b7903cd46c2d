"""An SMTP server for the delivery tests: saves every accepted message as N.eml (the
bytes as received, after the DATA dot-unstuffing) with N.json beside it (envelope
sender, recipients, the login used). Optional AUTH PLAIN/LOGIN with one fixed user
(allowed without TLS), and recipients to refuse with 550.

usage: smtp_sink.py PORT DIR [--user U --password P] [--refuse ADDRESS ...] [--discard]
  --discard  keep nothing but the count of messages, written to DIR/count at the end
             (the delivery benchmark)
Runs until it is terminated.
"""
import argparse
import json
import logging
import os
import signal
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, directory, refuse, discard):
        self.directory = directory
        self.refuse = set(refuse)
        self.discard = discard
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        if self.discard:
            return "250 Message accepted for delivery"
        base = os.path.join(self.directory, str(n))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        login = session.auth_data if session.authenticated else None
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": login}, f)
        os.rename(base + ".tmp", base + ".eml")  # a reader never sees half a message
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("dir")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--refuse", nargs="*", default=[])
    p.add_argument("--discard", action="store_true")
    a = p.parse_args()
    # Plain-text AUTH is the point of this test server: no warnings about it.
    warnings.filterwarnings("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login.decode() == a.user and auth_data.password.decode() == a.password)
        return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)

    kwargs = {}
    if a.user:
        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    sink = Sink(a.dir, a.refuse, a.discard)
    controller = Controller(sink, hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    with open(os.path.join(a.dir, "count"), "w") as f:
        f.write(str(sink.count))


if __name__ == "__main__":
    main()
