"""A builder-like stub service the messaging tests drive: requested -> building -> built."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import add_subscriptions, service_app
from services.shared.settings import BusSettings
from tests.harness import running

Effect = Callable[[ReleaseEvent], Awaitable[None]]


def stub_service(settings: BusSettings, effect: Effect | None = None, name: str = "builder") -> web.Application:
    async def build(event: ReleaseEvent, bus: Bus) -> None:
        building = event.next(S.BUILDING, actor=name)
        await bus.publish(building)
        if effect is not None:
            await effect(event)
        await bus.publish(building.next(S.BUILT, actor=name, image=f"reg/{event.app}:{event.release.commit}"))

    app = service_app(name, settings)
    add_subscriptions(app, lambda app: [Subscription(name, [S.REQUESTED], build)])
    return app


@pytest.fixture
async def probe(bus_settings: BusSettings) -> AsyncIterator[web.Application]:
    """A service with only the release log: publishes test input and observes every event."""
    async with running(service_app("probe", bus_settings, with_store=True)) as app:
        yield app
