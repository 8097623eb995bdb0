"""A notifier stopping while its broker never answers (the connection open, no byte back: a paused node, a network
dropping every packet) finishes within a bound, standing by with a look under way (measured: 7.5 s, 5 of them the
retry channel's close) or consuming (17 s: the consumer's cancel and close, the lock's deletion, the channels'
closes, 5 s at most each). Before, a standby's stop waited for the look under way, and an active replica's for its
lock's deletion, then its retry channel's close, until the heartbeats found the connection stuck (measured,
standing by: 210 s, the connection found stuck at 183 s at RabbitMQ's default heartbeat; never without heartbeats)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from services.notifier.active import ActiveReplica
from services.notifier.app import ACTIVE, create_app
from services.shared.bus import Bus
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig
from tests.notifier.receiver import Receiver
from tests.notifier.standby import LOOK_EVERY, consumed_elsewhere
from tests.notifier.test_a_rebinding_round_the_broker_never_answers_is_abandoned import Calls
from tests.tcp_proxy import proxied

BOUND = 0.5  # GREENLIGHT_NOTIFIER_BROKER_TIMEOUT
WITHIN = 20.0  # standing by, or consuming, on a loaded machine
STOPPED_WITHIN = 60.0  # the stop's own bounds (the look's, 5 s a broker call, 10 s the connection's close), with room


@contextlib.asynccontextmanager
async def replica(bus: Bus, queue: str, standing_by: bool) -> AsyncIterator[None]:
    if not standing_by:
        yield
        return
    async with consumed_elsewhere(bus, queue):
        yield


@pytest.mark.parametrize("standing_by", [True, False], ids=["standing by", "consuming"])
async def test_a_stop_finishes_while_the_broker_never_answers(
        bus_settings: BusSettings, database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
        standing_by: bool) -> None:
    looks = Calls(monkeypatch, ActiveReplica, "_consumed_elsewhere")
    async with rig(bus_settings, database_url, receiver, notifier=False) as r, \
            replica(r.bus, r.settings.work_queue, standing_by), proxied(bus_settings) as (proxy, via_proxy):
        settings = r.settings.model_copy(update={
            "bus": via_proxy.model_copy(update={"partition_check_interval": LOOK_EVERY}), "broker_timeout": BOUND})
        app: web.Application = create_app(settings)
        async with contextlib.AsyncExitStack() as served:
            await served.enter_async_context(serving(app))
            if standing_by:
                await looks.until(lambda: looks.ended >= 2, timeout=WITHIN)
            else:
                await asyncio.wait_for(app[ACTIVE].active.wait(), WITHIN)
            proxy.freeze()
            if standing_by:  # a look under way, unanswered
                frozen = looks.begun
                await looks.until(lambda: looks.begun > frozen, timeout=WITHIN)
            async with asyncio.timeout(STOPPED_WITHIN):
                await served.aclose()
