"""A replica told to stop while the broker is away stops within its grace period: its partition checks wait for
the connection, which may not come back before the process is killed, so stopping does not wait for them."""

from __future__ import annotations

import asyncio

from services.shared.bus import Bus
from services.shared.claims import PartitionClaims
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, after_a_check
from tests.tcp_proxy import proxied


async def test_a_replica_stops_while_the_broker_is_away(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 0.1})
    async with proxied(settings) as (proxy, via_proxy):
        bus = Bus(via_proxy, connection_name="gltest-stopping")
        await bus.connect()
        claims = PartitionClaims(bus, Runs().subscription("a"))
        try:
            await claims.start()
            assert len(claims.owned) == 2
            lost = asyncio.Event()
            bus.connection.close_callbacks.add(lambda *_: lost.set())
            await proxy.away()
            await asyncio.wait_for(lost.wait(), 10)
            # A check has seen the loss; the next ones wait for the broker.
            await after_a_check(claims, lambda: not claims.owned)
            async with asyncio.timeout(settings.grace_period + 5):
                await claims.stop(settings.grace_period)
        finally:
            await bus.close()
