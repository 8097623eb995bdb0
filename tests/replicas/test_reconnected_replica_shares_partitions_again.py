"""A replica whose connection is lost reconnects as a member again: the broker counts it among the replicas (its
`replicas` consumer is restored with the channel), the replica that took its partitions over gives one back, and
no partition is consumed twice (the lost ones are not restored with the connection: they are claimed anew)."""

from __future__ import annotations

import asyncio

import aio_pika

from services.shared.claims import PartitionClaims
from services.shared.partitions import members_name
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, after_a_check, replica
from tests.tcp_proxy import proxied


async def consumers(settings: BusSettings, *queues: str) -> list[int]:
    connection = await aio_pika.connect(settings.amqp_urls()[0])
    async with connection:
        channel = await connection.channel()
        return [int((await channel.declare_queue(name, passive=True)).declaration_result.consumer_count or 0)
                for name in queues]


def one_each(*replicas: PartitionClaims) -> bool:
    return all(len(r.owned) == 1 and not any(c.channel_lost for c in r.owned.values()) for r in replicas)


async def test_a_reconnected_replica_counts_and_claims_its_share_again(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 0.1})
    runs = Runs()
    async with proxied(settings) as (proxy, via_proxy), replica(via_proxy, "a", runs) as first, \
            replica(settings, "b", runs) as second:
        await after_a_check(first, lambda: one_each(first, second))
        reconnected = asyncio.Event()
        first.bus.connection.reconnect_callbacks.add(lambda *_: reconnected.set())
        await proxy.away()
        await after_a_check(second, lambda: len(second.owned) == 2)  # the other replica took the lost partition over
        await proxy.back()
        await asyncio.wait_for(reconnected.wait(), 20)
        await after_a_check(first, lambda: one_each(first, second))
        assert await consumers(settings, members_name(first.queue_name), *first.partitions) == [2, 1, 1]
