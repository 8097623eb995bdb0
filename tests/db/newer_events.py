"""An event only a newer Greenlight reads, in the release log, and read models of an older and a newer version."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aio_pika
import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.projector import Projector
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.db.standby import ReadModel
from services.shared.events import ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain

NEW_STATE = b'"scanning"'  # a state a newer Greenlight added; this one folds it as the step it refines


Logged = tuple[ReleaseEvent, str, bytes]  # the event, its routing key, its body as logged


def logged(events: list[ReleaseEvent]) -> list[Logged]:
    return [(event, event.routing_key, event.dumps()) for event in events]


def with_a_newer_step(rid: str, app: str) -> list[Logged]:
    """A release's events to awaiting_approval, its `pushing` in a state this version does not know."""
    return [(event, f"release.{app}.scanning", event.dumps().replace(b'"pushing"', NEW_STATE))
            if event.state is S.PUSHING else (event, event.routing_key, event.dumps()) for event in chain(rid, app=app)]


def newer_parse(body: bytes) -> ReleaseEvent:
    """A newer Greenlight's parse: it reads the new state."""
    return parse_event(body.replace(NEW_STATE, b'"pushing"'))


async def publish_bodies(bus: Bus, logged: list[Logged]) -> None:
    """In this order, on one channel, each confirmed before the next: the log holds them so."""
    channel = await bus.connection.channel()
    try:
        exchange = await channel.get_exchange(bus.settings.exchange, ensure=False)
        for event, key, body in logged:
            await exchange.publish(aio_pika.Message(body, message_id=event.message_id, headers={"app": event.app}),
                                   routing_key=key)
    finally:
        await channel.close()


@contextlib.asynccontextmanager
async def read_model(bus: Bus, database: ReleaseDatabase, *, newer: bool = False, lease_interval: float = 0.1,
                     readiness: dict[str, bool] | None = None) -> AsyncIterator[ReadModel]:
    projector = Projector(bus, database)
    if newer:
        projector.parse = newer_parse
    model = ReadModel(projector, follow_interval=0.02, lease_interval=lease_interval, readiness=readiness)
    await model.start(timeout=30)
    try:
        yield model
    finally:
        await model.stop()


async def folded_through(database: ReleaseDatabase, offset: int, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            version = database.version
            if await database.last_offset() >= offset:
                return
            await database.changed(version, 0.1)  # another process's folds are looked at, not heard


async def until_ready(model: ReadModel, ready: bool, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while model.ready is not ready:
            version = model.projector.database.version
            await model.projector.database.changed(version, 0.1)


async def stored(database: ReleaseDatabase) -> list[tuple[str, int]]:
    """(release id, log offset) of every event stored, in log order."""
    async with database.engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.release_id, events.c.log_offset)
                                        .order_by(events.c.log_offset))
        return [(row[0], int(row[1])) for row in rows]


NEWER_KINDS = ["schema_version 2", "an unknown state", "malformed"]  # what a log read may meet, and how it is told


def as_newer(event: ReleaseEvent, newer: str, new_state: str, bad_seq: str) -> bytes:
    """`event`'s body as logged by a newer Greenlight (`schema_version 2`: actor an object; `an unknown state`: its
    state `new_state`), or malformed (its seq `bad_seq`, which no version writes)."""
    body = json.loads(event.dumps())
    if newer == "schema_version 2":
        body["schema_version"], body["actor"] = 2, {"name": body["actor"], "kind": "service"}
    elif newer == "an unknown state":
        body["state"] = body["release"]["state"] = new_state
    else:
        body["seq"] = bad_seq
    return json.dumps(body).encode()
