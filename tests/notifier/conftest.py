"""The notifier on the real broker and PostgreSQL, delivering to a loopback receiver."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import create_async_engine

from services.notifier.app import RECORDS, create_app
from services.notifier.records import DeliveryRecords, Record
from services.notifier.settings import NotifierSettings
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState
from services.shared.settings import BusSettings
from services.shared.subscriptions import SubscriptionSpec
from tests.harness import delete_queues, make_release, serving
from tests.notifier.receiver import Receiver

SECRET = "subscriber-secret-0123456789"
RETRY_DELAYS = [0.05, 0.1, 0.2]


@dataclass
class Rig:
    bus: Bus
    receiver: Receiver
    records: DeliveryRecords | None
    url: str
    receiver_url: str
    settings: NotifierSettings

    async def publish(self, *events: ReleaseEvent) -> None:
        for event in events:
            await self.bus.publish(event)


def walk(release_id: str = "r1", app: str = "demo", *states: ReleaseState, **changes: object) -> list[ReleaseEvent]:
    """The events of one release, from `requested` through `states` in order."""
    events = [first_event(make_release(release_id, app, **changes), actor="ann")]
    for state in states:
        events.append(events[-1].next(state, actor="test"))
    return events


@contextlib.asynccontextmanager
async def rig(bus_settings: BusSettings, database_url: str, receiver: Receiver,
              subscriptions: Sequence[dict[str, object]] = ({},), *, retry_delays: Sequence[float] = RETRY_DELAYS,
              notifier: bool = True) -> AsyncIterator[Rig]:
    """The receiver, a publisher, and (unless `notifier` is false: the test runs its own) the notifier."""
    async with serving(receiver.app(), port=0) as receiver_url:
        specs = [SubscriptionSpec.model_validate({"id": f"sub-{n}", "url": f"{receiver_url}/hook",
                                                  "secret": SECRET, **extra})
                 for n, extra in enumerate(subscriptions)]
        # The database: GREENLIGHT_DATABASE_URL, which the test's postgres_url fixture set to `database_url`.
        assert os.environ["GREENLIGHT_DATABASE_URL"] == database_url
        settings = NotifierSettings(subscriptions=specs, retry_delays=list(retry_delays),
                                    bus=bus_settings, timeout=5)
        app: web.Application = create_app(settings)
        bus = Bus(bus_settings, connection_name="gltest-publisher")
        await bus.connect()
        try:
            if not notifier:
                yield Rig(bus, receiver, None, "", f"{receiver_url}/hook", settings)
                return
            async with serving(app, port=0) as url:
                yield Rig(bus, receiver, app[RECORDS], url, f"{receiver_url}/hook", settings)
        finally:
            await bus.close()
            await delete_queues(bus_settings, *(settings.retry_queue(n) for n in range(len(retry_delays))))


async def records_of(database_url: str, release_id: str) -> list[Record]:
    """The delivery records once the notifier has stopped: every in-flight delivery has settled by then."""
    engine = create_async_engine(database_url)
    try:
        return await DeliveryRecords(engine).of_release(release_id)
    finally:
        await engine.dispose()


@pytest.fixture
def receiver() -> Receiver:
    return Receiver(SECRET)
