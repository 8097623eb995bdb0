"""A consuming notifier whose broker keeps the connection and never answers stops within its one deadline,
`GREENLIGHT_GRACE_PERIOD` + `GREENLIGHT_STOP_MARGIN` (services/shared/stop_deadline.py), however many broker steps
its stop has. Before, each step waited its own bound one after another (the consumer's cancel and close, the
lock's deletion, the channels' closes, 5 s each; the connection's close 10 s): measured 17 s at a 1 s grace period,
35 s and the grace period in the worst case, past the 45 s Kubernetes gives before SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiohttp import web

from services.notifier.app import ACTIVE, create_app
from services.shared.settings import BusSettings
from services.shared.stop_deadline import CUT_OFF_AFTER
from tests.harness import serving
from tests.notifier.conftest import rig
from tests.notifier.receiver import Receiver
from tests.tcp_proxy import proxied

GRACE = 1.0
MARGIN = 3.0
WITHIN = 20.0  # consuming, on a loaded machine
ROOM = 1.5  # the loop's turns on a loaded machine


async def test_a_stop_ends_within_its_deadline_while_the_broker_never_answers(
        bus_settings: BusSettings, database_url: str, receiver: Receiver) -> None:
    async with rig(bus_settings, database_url, receiver, notifier=False) as r, \
            proxied(bus_settings) as (proxy, via_proxy):
        bus = via_proxy.model_copy(update={"grace_period": GRACE, "stop_margin": MARGIN})
        app: web.Application = create_app(r.settings.model_copy(update={"bus": bus, "broker_timeout": 0.5}))
        async with contextlib.AsyncExitStack() as served:
            await served.enter_async_context(serving(app))
            await asyncio.wait_for(app[ACTIVE].active.wait(), WITHIN)
            proxy.freeze()
            began = time.monotonic()
            async with asyncio.timeout(60):
                await served.aclose()
            took = time.monotonic() - began
    print(f"stopped in {took:.2f} s, the deadline {GRACE + MARGIN:g} s")
    # Every step's bound is cut to what is left, so the stop ends at the deadline, not at the cut-off after it.
    assert took <= GRACE + MARGIN + ROOM, took
    assert took < GRACE + MARGIN + CUT_OFF_AFTER + ROOM
