"""A standby learns where the log ends by reading back a marker from a stream consumer of its own, then closes that
consumer's channel. With the log busy, a message may arrive during the close: an ack for it then reaches a channel
the broker has closed, which answers CHANNEL_ERROR 504 ("expected 'channel.open'") and closes the service's whole
connection. Services died of it at start-up in CI (several starting at once, each publishing)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from services.shared.bus import Bus
from services.shared.db.engine import migrate, open_engine
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.db.standby import ReadModel
from services.shared.events import first_event
from tests.harness import make_release


@pytest.fixture
async def standby(bus: Bus, any_database: str) -> AsyncIterator[ReadModel]:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database))  # type: ignore[call-arg]
    await migrate(engine)
    database = ReleaseDatabase(engine)
    model = ReadModel(Projector(bus, database))
    yield model
    await model.stop()
    database.close()
    await engine.dispose()


async def test_finding_the_log_end_while_the_log_is_busy_keeps_the_connection(bus: Bus, standby: ReadModel) -> None:
    async def flood() -> None:
        for n in range(100_000):
            await bus.publish(first_event(make_release(f"f{n}", app="flood"), actor="ann"))

    flooding = asyncio.create_task(flood())
    try:
        ends = []
        for _ in range(15):
            ends.append(await asyncio.wait_for(standby._log_end(), 10))
            channel = await bus.connection.channel()  # raises once the broker has closed the connection
            await channel.close()
        assert ends == sorted(ends) and len(set(ends)) == len(ends), ends  # each marker found, later than the last
    finally:
        flooding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flooding
