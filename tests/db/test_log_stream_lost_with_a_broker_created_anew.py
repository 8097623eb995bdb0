"""A broker created anew (its node's data lost: every exchange, queue and the release log's stream gone) under a
running projector: the service's connection comes back, the stream is declared again, the database keeps every
release, and what is published to the new stream is projected.

Before the fix the projector's robust channel restored its consumer with a passive declare of the stream, which
failed at every reconnect, and aio-pika then gave the whole reconnect up: the connection never came back, and
nothing could be published."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator

import pytest

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.db.conftest import chain, projecting, publish_all, until_folded
from tests.db.log_probes import publish_retried
from tests.hardening.rabbit_node import RabbitNode
from tests.harness import wait_for_state


@pytest.fixture(scope="module")
def node() -> Iterator[RabbitNode]:
    node = RabbitNode(port=5686, node="glstream@localhost")  # its own: not the shared fault node (5679)
    node.start()
    yield node
    node.destroy()


async def test_a_broker_created_anew_gets_the_stream_back_and_projected(node: RabbitNode, test_id: str,
                                                                        database: ReleaseDatabase) -> None:
    prefix = f"gltest.{test_id}."
    settings = BusSettings(amqp_url=node.url, exchange=f"{prefix}events",  # type: ignore[arg-type]
                           dead_letter_exchange=f"{prefix}dlx", dead_letter_queue=f"{prefix}dead",
                           log_stream=f"{prefix}log", queue_prefix=prefix, publish_timeout=2.0)
    bus = Bus(settings, connection_name="gltest-broker-anew")
    await bus.connect()
    try:
        async with projecting(bus, database) as projector:
            for rid in ("r1", "r2", "r3"):
                await publish_all(bus, chain(rid, app=rid))
            await wait_for_state(database, "r3", S.AWAITING_APPROVAL)
            await asyncio.to_thread(node.stop)
            shutil.rmtree(node.base / "mnesia")  # the node's data: a broker created anew
            await asyncio.to_thread(node.start)
            # `building` goes nowhere but the log: refused (unroutable) until the stream is declared again.
            await publish_retried(bus, chain("r4", app="r4"), timeout=30)
            await wait_for_state(database, "r4", S.AWAITING_APPROVAL, timeout=30)
            await until_folded(projector, 28)
            assert projector.folded.new == 28 and projector.folded.duplicates == 0
        for rid in ("r1", "r2", "r3"):
            await wait_for_state(database, rid, S.AWAITING_APPROVAL, timeout=1)
    finally:
        await bus.close()
