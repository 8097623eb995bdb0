"""An event whose body holds a lone UTF-16 surrogate escape (`"\\ud800"`, in its details) is skipped by the projector,
which goes on. The parse (json.loads on its slow path) took it for an event; PostgreSQL's JSON refuses such a body,
and migration 0009's index reads every stored body as JSON, so its insert failed in every batch that held it
("invalid input syntax for type json"), retried for good: the projection stopped there (before 0009 it was stored
as text, as SQLite still stored it).
"""

from __future__ import annotations

import aio_pika
import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import bus, chain, database, engine, projecting, publish_all  # noqa: F401 - fixtures
from tests.harness import make_release, wait_for_state


async def test_a_lone_surrogate_in_the_log_does_not_stop_the_projection(
        bus: Bus, database: ReleaseDatabase) -> None:  # noqa: F811
    body = first_event(make_release("r-surrogate", "shop"), actor="ann").model_copy(
        update={"details": {"note": "SURROGATE"}}).dumps().replace(b"SURROGATE", b"a\\ud800b")
    async with projecting(bus, database):
        channel = await bus.connection.channel()
        exchange = await channel.get_exchange(bus.settings.exchange, ensure=False)
        await exchange.publish(aio_pika.Message(body, headers={"app": "shop"}), routing_key="release.shop.requested")
        await channel.close()
        await publish_all(bus, chain("after", app="blog"))
        await wait_for_state(database, "after", S.AWAITING_APPROVAL, timeout=15)
    async with database.engine.connect() as connection:
        stored = (await connection.execute(sa.select(events.c.release_id))).scalars().all()
    assert set(stored) == {"after"}
