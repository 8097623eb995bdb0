"""The release log's stream deleted under a running projector (an operator, a stream lost with its nodes, a broker
created anew): the database is the archive, so the read model carries on. The projector declares the stream again,
keeps every release it had, and folds what is published to the new stream, whose offsets start again at 0, after
the old ones (an SSE client resuming by offset misses nothing).

Before the fix nobody declared the stream again while the services ran (events reached only the work queues), and
once another process did, aio-pika consumed it again from the old stream's offset, which RabbitMQ 3.10 holds back
until the new stream reaches it: the new releases were never projected."""

from __future__ import annotations

import aio_pika
import sqlalchemy as sa

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.protocol import ReleaseState as S
from services.shared.topology import declare_log_stream
from tests.db.conftest import chain, projecting, publish_all, until_folded
from tests.db.log_probes import logged_again, publish_retried
from tests.harness import delete_queues, wait_for_state


async def _offsets(database: ReleaseDatabase, release_id: str) -> list[int]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(sa.select(events.c.log_offset).where(events.c.release_id == release_id))
        return sorted(int(row[0]) for row in rows)


async def _replaced_under(bus: Bus, database: ReleaseDatabase, *, redeclare: bool) -> None:
    async with projecting(bus, database) as projector:
        for rid in ("r1", "r2", "r3"):  # a log longer than what the new stream will hold
            await publish_all(bus, chain(rid, app=rid))
        await wait_for_state(database, "r3", S.AWAITING_APPROVAL)
        await delete_queues(bus.settings, bus.settings.log_stream)
        if redeclare:  # another service starting meanwhile declares it first
            other = await aio_pika.connect_robust(bus.settings.amqp_urls()[0])
            async with other:
                await declare_log_stream(other, bus.settings)
        await logged_again(bus.settings)
        await publish_retried(bus, chain("r4", app="r4"))
        await wait_for_state(database, "r4", S.AWAITING_APPROVAL, timeout=15)
        await until_folded(projector, 28)
        assert projector.folded.new == 28
    for rid in ("r1", "r2", "r3"):
        await wait_for_state(database, rid, S.AWAITING_APPROVAL, timeout=1)
    old, new = await _offsets(database, "r3"), await _offsets(database, "r4")
    assert len(new) == 7 and min(new) > max(old), (old, new)
    async with database.engine.connect() as connection:
        assert (await connection.execute(sa.select(sa.func.count()).select_from(events))).scalar_one() == 28


async def test_the_projector_declares_the_stream_again_and_folds_the_new_one(bus: Bus,
                                                                             database: ReleaseDatabase) -> None:
    await _replaced_under(bus, database, redeclare=False)


async def test_a_stream_declared_again_elsewhere_is_folded_from_its_start(bus: Bus,
                                                                          database: ReleaseDatabase) -> None:
    await _replaced_under(bus, database, redeclare=True)
