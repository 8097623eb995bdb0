"""A service run as a process (`serve`: the runner production uses, SIGTERM as Kubernetes sends it) whose broker
keeps the connection and never answers exits 0 within `GREENLIGHT_GRACE_PERIOD` + `GREENLIGHT_STOP_MARGIN`, the
stop's one deadline (services/shared/stop_deadline.py). With a margin too long to matter, the same stop runs its
steps' own bounds one after another, and takes longer than the deadline."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from services.shared.settings import BusSettings
from tests.failed_start import ROOT
from tests.ports import free_port
from tests.tcp_proxy import proxied

GRACE = 1.0
MARGIN = 3.0
UP_WITHIN = 60.0  # a loaded machine's start
ROOM = 2.5  # the process's exit after the deadline, on a loaded machine
CANCEL_BOUND = 5.0  # quietly_bounded's, for the consumers' basic.cancel
CLOSE_OK_WAIT = 2.0  # aiormq's READER_CLOSE_TIMEOUT


async def serving(process: asyncio.subprocess.Process) -> None:
    """Until the service logs `serving`: its start-up (every consumer) is done and its site accepts connections."""
    assert process.stderr is not None
    async with asyncio.timeout(UP_WITHIN):
        while line := await process.stderr.readline():
            if '"event": "serving"' in line.decode(errors="replace"):
                return
    raise AssertionError("the service ended before serving")


async def stop_took(bus_settings: BusSettings, margin: float) -> float:
    """Seconds from SIGTERM to the exit of an analysis service whose broker was frozen just before."""
    port = free_port()
    async with proxied(bus_settings) as (proxy, via_proxy):
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("GREENLIGHT_", "DOCKER_HOST", "KUBECONFIG"))}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.analysis", cwd=ROOT, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, env={
                **clean, "PYTHONPATH": str(ROOT), "AMQP_URL": via_proxy.amqp_url.get_secret_value(),
                "GREENLIGHT_EXCHANGE": bus_settings.exchange, "GREENLIGHT_LOG_STREAM": bus_settings.log_stream,
                "GREENLIGHT_QUEUE_PREFIX": bus_settings.queue_prefix,
                "GREENLIGHT_DEAD_LETTER_EXCHANGE": bus_settings.dead_letter_exchange,
                "GREENLIGHT_DEAD_LETTER_QUEUE": bus_settings.dead_letter_queue,
                "GREENLIGHT_ANALYSIS_PORT": str(port), "GREENLIGHT_GRACE_PERIOD": str(GRACE),
                "GREENLIGHT_STOP_MARGIN": str(margin), "GREENLIGHT_LOG_JSON": "true"})
        try:
            await serving(process)
            assert process.stderr is not None
            drain = asyncio.create_task(process.stderr.read())  # what it logs while stopping: the pipe never fills
            proxy.freeze()
            began = time.monotonic()
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(120):
                assert await process.wait() == 0
            took = time.monotonic() - began
            await drain
            return took
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_a_service_process_stops_within_its_deadline_on_a_silent_broker(bus_settings: BusSettings) -> None:
    took = await stop_took(bus_settings, MARGIN)
    unbounded = await stop_took(bus_settings, 1000.0)
    print(f"stopped in {took:.2f} s at a {GRACE + MARGIN:g} s deadline; {unbounded:.2f} s with each step's own bound")
    assert took <= GRACE + MARGIN + ROOM, took
    # The control: the frozen broker did hold the steps (the consumers' cancel waits its 5 s, the connection's close
    # 2 s for the broker's close-ok), so the deadline, not a broker that answered after all, ended the stop above.
    assert unbounded >= CANCEL_BOUND + CLOSE_OK_WAIT, unbounded
