"""A stub SMS/WhatsApp provider for the delivery tests: records every request as one
JSON line (method, path, headers, body, form) in LOG and answers {"sid": "SM<n>"}.
It listens on a free port and writes the port to PORT_FILE once it is ready.

usage: provider_stub.py PORT_FILE LOG [--fail-first N] [--always STATUS] [--control FILE]
  --fail-first N   answer the first N requests with 500
  --always STATUS  answer every request with STATUS (e.g. 400) and an error body
  --control FILE   when FILE exists, its content (a status) overrides the answer
"""
import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port_file")
    p.add_argument("log")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--always", type=int, default=0)
    p.add_argument("--control")
    a = p.parse_args()
    lock = threading.Lock()
    state = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per answer and no Nagle: otherwise each keep-alive request waits
        # for the client's delayed ACK (~40 ms).
        wbufsize = -1
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            with lock:
                state["n"] += 1
                n = state["n"]
                form = {}
                if self.headers.get("Content-Type", "").startswith(
                        "application/x-www-form-urlencoded"):
                    form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                with open(a.log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path,
                                        "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": body, "form": form}) + "\n")
            status = 200
            if n <= a.fail_first:
                status = 500
            if a.always:
                status = a.always
            if a.control and os.path.exists(a.control):
                with open(a.control) as f:
                    status = int(f.read().strip() or 200)
            if status == 200:
                answer = {"sid": "SM%d" % n, "status": "queued"}
            elif status == 400:
                answer = {"code": 21211, "message": "The 'To' number is not a valid phone number."}
            else:
                answer = {"message": "try again later"}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
