"""A replica cut off by a silent network (no reset, no packet either way) stops its partitions' handlers before the
broker can give those partitions to another replica: the broker drops a silent connection (and with it the
replica's locks) after about one heartbeat timeout, while the client library notices only after three."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica, request_each
from tests.replicas.stack import apps_covering
from tests.tcp_proxy import proxied

HEARTBEAT = 2  # seconds: the broker drops the silent connection after 2-4 s, the client gives up after ~10 s


async def test_a_partitioned_away_replica_stops_before_another_takes_its_partitions(
        bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 1, "partition_check_interval": 0.2})
    apps = await apps_covering(settings, 1)
    runs = Runs()
    async with proxied(settings) as (proxy, via_proxy):
        silent = via_proxy.model_copy(update={"amqp_url": SecretStr(
            f"{via_proxy.amqp_urls()[0]}&heartbeat={HEARTBEAT}")})
        async with replica(silent, "a", runs) as first:
            assert len(first.owned) == 1
            await request_each(settings, apps)
            await runs.until(lambda: runs.running.get("a") == set(apps))
            async with replica(settings, "b", runs):
                proxy.freeze()
                await runs.until(lambda: runs.running.get("b") == set(apps), timeout=30)
                overlaps = list(runs.overlaps)
                runs.go.set()
                proxy.thaw()
    assert overlaps == []


async def test_a_quiet_healthy_connection_keeps_its_handlers(bus_settings: BusSettings) -> None:
    """No checks (a long interval) and no messages: only the broker's heartbeats arrive, up to one timeout apart."""
    settings = bus_settings.model_copy(update={"partitions": 1, "partition_check_interval": 600})
    apps = await apps_covering(settings, 1)
    runs = Runs()
    quiet = settings.model_copy(update={"amqp_url": SecretStr(f"{settings.amqp_urls()[0]}?heartbeat={HEARTBEAT}")})
    async with replica(quiet, "a", runs) as first:
        await request_each(settings, apps)
        await runs.until(lambda: runs.running.get("a") == set(apps))
        with pytest.raises(TimeoutError):  # still running after three timeouts
            await runs.until(lambda: not runs.running["a"], timeout=3 * HEARTBEAT)
        assert not any(consumer.abandoned for consumer in first.owned.values())
        runs.go.set()
