"""The read model against a real database (SQLite and PostgreSQL: `any_database`) and the real broker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.bus import Bus
from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.db.settings import DatabaseSettings
from services.shared.db.standby import ReadModel
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.harness import make_release

HAPPY = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL)


@pytest.fixture
async def engine(any_database: str) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database))  # type: ignore[call-arg]
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(engine: AsyncEngine) -> ReleaseDatabase:
    await migrate(engine)
    return ReleaseDatabase(engine, poll_interval=0.2)


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-db")
    await bus.connect()
    yield bus
    await bus.close()


@contextlib.asynccontextmanager
async def leader_and_standby(url: str) -> AsyncIterator[tuple[ReleaseDatabase, ReleaseDatabase]]:
    """Two processes' read models on one database (each its own engine), the schema migrated."""
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=url)  # type: ignore[call-arg]
    leader_engine, standby_engine = open_engine(settings), open_engine(settings)
    await migrate(leader_engine)
    leader, standby = ReleaseDatabase(leader_engine), ReleaseDatabase(standby_engine)
    try:
        yield leader, standby
    finally:
        leader.close()
        standby.close()
        await leader_engine.dispose()
        await standby_engine.dispose()


@contextlib.asynccontextmanager
async def projecting(bus: Bus, database: ReleaseDatabase, batch_size: int = 1000, *, lease_interval: float = 1.0,
                     linger: float = 0.0) -> AsyncIterator[Projector]:
    """A process's read model as a service runs it: leading if it gets the lease, else standing by."""
    model = ReadModel(Projector(bus, database, batch_size, linger), follow_interval=0.02,
                      lease_interval=lease_interval)
    await model.start(timeout=30)
    try:
        yield model.projector
    finally:
        await model.stop()


async def until_folded(projector: Projector, new: int, timeout: float = 10.0) -> None:
    """Until the running projector counted `new` events folded. Its batch commits on the writer's thread and the
    count moves when the loop resumes it: a read of another connection can see the rows first."""
    async with asyncio.timeout(timeout):  # asyncio.timeout, not wait_for (services/shared/timeouts.py)
        while True:
            version = projector.database.version  # read first: a fold after it still wakes `changed`
            if projector.folded.new >= new:
                return
            await projector.database.changed(version, timeout)


def chain(rid: str, app: str = "demo", states: tuple[S, ...] = HAPPY, **changes: object) -> list[ReleaseEvent]:
    """A release's events from `requested` through `states`."""
    event = first_event(make_release(rid, app, **changes), actor="ann")
    events = [event]
    for state in states:
        event = event.next(state, actor="test")
        events.append(event)
    return events


TO_LIVE = (*HAPPY, S.APPROVED, S.SWITCHING, S.LIVE)


def went_live(rid: str, colour: Colour, previous: str | None, app: str = "demo") -> list[ReleaseEvent]:
    """A release's events from `requested` to `live`, deployed on `colour` after `previous`."""
    event = first_event(make_release(rid, app, previous_release=previous), actor="ann")
    events = [event]
    for state in TO_LIVE:
        event = event.next(state, actor="test", **({"standby_colour": colour} if state is S.DEPLOYING else {}))
        events.append(event)
    return events


def jumped(event: ReleaseEvent, seq: int, state: S) -> ReleaseEvent:
    """`event` made event `seq`, in `state`, whatever the table allows: what a publisher breaking the protocol logs."""
    release = event.release.model_copy(update={"seq": seq, "state": state})
    return event.model_copy(update={"seq": seq, "state": state, "release": release})


async def publish_all(bus: Bus, events: list[ReleaseEvent]) -> None:
    for event in events:
        await bus.publish(event)


async def a_projection(database: ReleaseDatabase, stream: str) -> None:
    """An empty projection of `stream` in `database`, whose records take turns on it as a projecting process's do."""
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=stream, log_offset=-1, updated_at=datetime.now(UTC)))
    database.log_stream = stream
