"""The 3-node cluster, started once per session, and bus settings of each test's own on it."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.shared.partitions import PARTITIONED, hash_exchange_name
from services.shared.settings import BusSettings
from tests.cluster.bed import ClusterBed, cluster_bed
from tests.harness import connect_any

# Client-side: a lost node is noticed by heartbeats within ~10 s (the default 60 s would outlast a test) and a
# reconnect is tried every half second.
CLIENT_QUERY = "?heartbeat=5&reconnect_interval=0.5"


@pytest.fixture(scope="session")
def cluster() -> Iterator[ClusterBed]:
    with cluster_bed(Path(tempfile.mkdtemp(prefix="glcluster-"))) as bed:
        yield bed


def cluster_settings(bed: ClusterBed, test_id: str, **overrides: object) -> BusSettings:
    prefix = f"glcl.{test_id}."
    return BusSettings(
        amqp_url=",".join(url + CLIENT_QUERY for url in bed.urls),  # type: ignore[arg-type]
        exchange=f"{prefix}events", dead_letter_exchange=f"{prefix}dlx", dead_letter_queue=f"{prefix}dead",
        log_stream=f"{prefix}log", queue_prefix=prefix, publish_timeout=10.0, grace_period=5.0,
        queue_replicas=3, **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
async def cluster_bus(cluster: ClusterBed, test_id: str) -> AsyncIterator[BusSettings]:
    """Settings whose exchange, log and queues are this test's alone, on all three nodes; deleted after."""
    settings = cluster_settings(cluster, test_id)
    yield settings
    await asyncio.to_thread(cluster.await_members, 3)  # a test ends with every node back: see that it is
    connection = await connect_any(settings, "gltest-cleanup")
    async with connection:
        channel = await connection.channel()
        for queue in [*await asyncio.to_thread(cluster.queue_names, settings.queue_prefix), settings.log_stream,
                      settings.dead_letter_queue]:
            await channel.queue_delete(queue)
        hashes = [hash_exchange_name(settings.queue_prefix + service) for service in PARTITIONED]
        for exchange in (settings.exchange, settings.dead_letter_exchange, *hashes):
            await channel.exchange_delete(exchange)
