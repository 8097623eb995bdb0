"""A real smart-HTTP git server (`git http-backend` behind a small HTTP server) that stalls on the request of our
choosing: it answers 200, then sends nothing more and keeps the connection open, as a hostile or wedged server does."""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.ports import free_port

STALL_FOR = 120.0  # seconds a stalled answer stays open at most (the test ends it sooner)


class StallingGitServer:
    """Serves the bare repositories under `root`; a POST whose body holds `stall_on` is never answered."""

    def __init__(self, root: Path, stall_on: bytes) -> None:
        self.port = free_port()
        self.stalled = threading.Event()
        self._done = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._backend(b"")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if stall_on in body:
                    server.stalled.set()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-git-upload-pack-result")
                    self.end_headers()
                    self.wfile.flush()
                    server._done.wait(STALL_FOR)
                    return
                self._backend(body)

            def _backend(self, body: bytes) -> None:
                path, _, query = self.path.partition("?")
                env = {**os.environ, "GIT_PROJECT_ROOT": str(root), "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
                       "QUERY_STRING": query, "REQUEST_METHOD": self.command, "CONTENT_LENGTH": str(len(body)),
                       "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                       "GIT_PROTOCOL": self.headers.get("Git-Protocol", "")}
                out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
                head, _, rest = out.partition(b"\r\n\r\n")
                fields = [line.decode().partition(": ") for line in head.split(b"\r\n") if line]
                status = next((int(v.split()[0]) for k, _, v in fields if k.lower() == "status"), 200)
                self.send_response(status)
                for key, _, value in fields:
                    if key.lower() != "status":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(rest)))
                self.end_headers()
                self.wfile.write(rest)

        self._http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> StallingGitServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


def git_processes_naming(text: str) -> list[str]:
    """Command lines of the processes still running that mention `text` (a server's port, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in line and "git" in line:
                found.append(f"{entry.name}: {line.strip()}")
    return found


def serve_bare(src: Path, into: Path, name: str) -> None:
    """A bare copy of `src` at `into/name`, filters allowed (the server a deepening fetch would like)."""
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(into / name)], check=True)
    subprocess.run(["git", "config", "uploadpack.allowFilter", "true"], cwd=into / name, check=True)
