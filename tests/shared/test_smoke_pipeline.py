"""Events flow through a consumer and into the release log, in order."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.runtime import BUS, STORE, add_subscriptions, service_app
from services.shared.settings import BusSettings

SHA = "a" * 40


def make_release(app: str = "demo", rid: str = "r1") -> Release:
    return Release(id=rid, app=app, repository="https://example.org/x.git", commit=SHA, requested_by="ann")


async def test_chain_reaches_built_and_log_has_every_step(bus_settings: BusSettings) -> None:
    async def build(event: ReleaseEvent, bus: Bus) -> None:
        building = event.next(S.BUILDING, actor="builder")
        await bus.publish(building)
        await bus.publish(building.next(S.BUILT, actor="builder", image="reg/demo:" + SHA))

    app = service_app("builder", bus_settings, with_store=True)
    add_subscriptions(app, lambda app: [Subscription("builder", [S.REQUESTED], build)])
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        store = app[STORE]
        await app[BUS].publish(first_event(make_release(), actor="ann"))
        follow = store.follow(-1, lambda e: e.state == S.BUILT)
        await asyncio.wait_for(anext(follow), 10)
        await follow.aclose()
        assert store.get("r1").state == S.BUILT  # type: ignore[union-attr]
        assert [e.event.seq for e in store.history["r1"]] == [1, 2, 3]
    finally:
        await runner.cleanup()
