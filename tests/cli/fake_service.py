"""A stand-in for a Greenlight service: serves /healthz, logs, obeys (or ignores) SIGTERM, can crash.

Usage: python fake_service.py PORT_VARIABLE [obedient|stubborn|never-ready]
GET /exit/N makes it exit with code N at once, as a crash would.
"""

import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ[sys.argv[1]])
MODE = sys.argv[2] if len(sys.argv) > 2 else "obedient"
stop = threading.Event()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/exit/"):
            print(f"crashing with code {self.path[6:]}", flush=True)
            os._exit(int(self.path[6:]))
        ok = self.path == "/healthz" and MODE != "never-ready"
        self.send_response(200 if ok else 503)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}' if ok else b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


def on_sigterm(signum: int, frame: object) -> None:
    print(f"got SIGTERM ({MODE})", flush=True)
    if MODE != "stubborn":
        stop.set()


signal.signal(signal.SIGTERM, on_sigterm)
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"listening on {PORT} [{MODE}]", flush=True)
while not stop.wait(0.5):
    pass
print("drained, bye", flush=True)
