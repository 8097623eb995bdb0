"""A replica whose connection drops stops the handlers of every partition it held at once: the broker hands those
partitions to another replica the moment the connection goes, so a handler still running here would act on an
app alongside the next owner. Waiting for the broker to come back (or for the next check) is too late."""

from __future__ import annotations

from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica, request_each
from tests.replicas.stack import apps_covering
from tests.tcp_proxy import proxied


async def test_partitions_lost_with_the_connection_stop_before_another_replica_takes_them(
        bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 0.2})
    apps = await apps_covering(settings, 2)  # an app in each partition: both partitions have a handler running
    runs = Runs()
    async with proxied(settings) as (proxy, via_proxy), replica(via_proxy, "a", runs) as first:
        assert len(first.owned) == 2
        await request_each(settings, apps)
        await runs.until(lambda: runs.running.get("a") == set(apps))
        await proxy.away()  # and stays away: the first replica cannot reconnect meanwhile
        async with replica(settings, "b", runs):
            await runs.until(lambda: runs.running.get("b") == set(apps))
            overlaps = list(runs.overlaps)
            runs.go.set()
            await proxy.back()  # the first replica may reconnect and stop
    assert overlaps == []
