"""A stop step with no bound of its own (a resource's close that never returns) is cut off once the stop's one
deadline has passed, with one line saying so: the process then ends before its supervisor's SIGKILL, which would
say nothing. The steps before it kept their order and the deadline (services/shared/stop_deadline.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from aiohttp import web
from structlog.testing import capture_logs

from services.shared.runtime import BUS, service_app
from services.shared.settings import BusSettings
from services.shared.stop_deadline import CUT_OFF_AFTER
from tests.harness import serving

GRACE = 0.5
MARGIN = 4.0  # the connection's close keeps 3 s of it
ROOM = 1.5  # the loop's turns on a loaded machine


async def test_a_stop_step_without_a_bound_is_cut_off_at_the_deadline(bus_settings: BusSettings) -> None:
    app = service_app("gltest-stuck", bus_settings.model_copy(update={"grace_period": GRACE, "stop_margin": MARGIN}))
    reached = asyncio.Event()
    cancelled = asyncio.Event()

    async def never_closes(_: web.Application) -> AsyncIterator[None]:
        yield
        reached.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    app.cleanup_ctx.append(never_closes)  # unwound before the broker connection's close
    with capture_logs() as logs:
        async with asyncio.timeout(30), serving(app):  # without the deadline: never
            bus = app[BUS]
            began = time.monotonic()
        took = time.monotonic() - began
    await bus.close()  # the cut-off left it, as the process's exit would
    print(f"stopped in {took:.2f} s, the deadline {GRACE + MARGIN:g} s")
    assert reached.is_set() and cancelled.is_set()
    assert GRACE + MARGIN + CUT_OFF_AFTER - 0.1 <= took <= GRACE + MARGIN + CUT_OFF_AFTER + ROOM, took
    assert [entry["seconds"] for entry in logs if "passed its deadline" in entry["event"]] == [GRACE + MARGIN]
