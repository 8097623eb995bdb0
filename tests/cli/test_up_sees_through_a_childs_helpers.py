"""`greenlight up` tracks a service by the service process itself, not by who still holds its output.

A service's own subprocesses (a helper it starts, the command a wrapper shell runs) inherit its stdout pipe.
asyncio's Process.wait() (CPython 3.11) returns only once that pipe is closed too, so a supervisor that waits
on it is blind while such a helper lives: a crashed service is never noticed (`up` goes on saying all is up),
and a stop waits forever (Ctrl-C hangs `up`). These tests pin that the supervisor notices the exit itself,
and that it kills the helpers left behind - its process group - so nothing a service started outlives `up`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.cli.child import ChildSpec
from services.cli.supervisor import Supervisor
from tests.ports import free_port

pytestmark = pytest.mark.timeout(60)

# A service that starts a helper (which inherits its stdout, as any subprocess does by default, and ignores
# SIGTERM) and serves /healthz; GET /exit crashes it; SIGTERM ends it (Python's default) but not the helper.
SERVICE = r"""
import os, subprocess, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
helper = subprocess.Popen([sys.executable, "-c",
                           "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
open(sys.argv[2], "w").write(str(helper.pid))
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/exit":
            os._exit(3)
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
print("up", flush=True)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


class Stack:
    def __init__(self, supervisor: Supervisor, running: asyncio.Task[int], port: int, helper: int,
                 helper_ended: asyncio.Future[None]) -> None:
        self.supervisor, self.running, self.port = supervisor, running, port
        self.helper, self.helper_ended = helper, helper_ended

    async def returns_within(self, seconds: float) -> int:
        child = self.supervisor.children[0]
        done, _ = await asyncio.wait([self.running], timeout=seconds)
        assert done, (f"the supervisor is still running {seconds:g} s on; the service's returncode is "
                      f"{child.process.returncode}, its helper has ended: {self.helper_ended.done()}")
        return self.running.result()

    async def helper_ends_within(self, seconds: float) -> None:
        # SIGKILL is sent before the supervisor returns; the kernel finishes the helper off a moment later.
        done, _ = await asyncio.wait([self.helper_ended], timeout=seconds)
        assert done, f"the service's helper {self.helper} outlived the supervisor"


@contextlib.asynccontextmanager
async def stack(tmp_path: Path, stop: asyncio.Event, *, grace: float) -> AsyncIterator[Stack]:
    port, pidfile = free_port(), tmp_path / "helper.pid"
    spec = ChildSpec("svc", [sys.executable, "-c", SERVICE, str(port), str(pidfile)], port)
    started = asyncio.Event()
    supervisor = Supervisor([spec], lambda name, line: None, grace=grace)
    running = asyncio.create_task(supervisor.run(stop, lambda _: started.set(), lambda _: None))
    await asyncio.wait_for(started.wait(), 30)
    helper = int(pidfile.read_text())
    # A pidfd turns readable when its process ends: the helper's end, awaitable though it is not our child.
    pidfd = os.pidfd_open(helper)
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()
    loop.add_reader(pidfd, lambda: ended.done() or ended.set_result(None))
    try:
        yield Stack(supervisor, running, port, helper, ended)
    finally:
        loop.remove_reader(pidfd)
        if not ended.done():
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        os.close(pidfd)
        running.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(running, 10)


async def test_a_crashed_service_is_noticed_though_its_helper_holds_its_output(tmp_path: Path) -> None:
    async with stack(tmp_path, asyncio.Event(), grace=60) as svc:
        async with httpx.AsyncClient() as http:
            with pytest.raises(httpx.HTTPError):
                await http.get(f"http://127.0.0.1:{svc.port}/exit")
        assert await svc.returns_within(15) == 1
        assert svc.supervisor.children[0].status == "exited with code 3"
        await svc.helper_ends_within(10)


async def test_a_stop_ends_when_the_service_has_and_kills_the_helper_it_left(tmp_path: Path) -> None:
    stop = asyncio.Event()
    async with stack(tmp_path, stop, grace=60) as svc:
        stop.set()  # Ctrl-C: the service exits on SIGTERM, its helper ignores it and holds the output
        # Well inside the 60 s grace: once the service has gone, what it left behind is killed, not waited for.
        assert await svc.returns_within(15) == 0
        assert svc.supervisor.children[0].status == f"stopped ({-signal.SIGTERM})"
        await svc.helper_ends_within(10)
