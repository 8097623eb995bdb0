"""A replica's partition checks (two every half second by default) do not pile up queue objects on its control
channel: a recovering channel keeps every queue declared on it to declare again after a reconnect, so counting
the replicas by declaring their queue would grow the process's memory, and the work of each reconnect, with its
uptime."""

from __future__ import annotations

import gc

from aio_pika import RobustQueue

from services.shared.partitions import hungry_name, members_name
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica

CHECKS = 50


async def test_checks_keep_a_bounded_number_of_queue_objects(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 60})
    async with replica(settings, "a", Runs()) as claims:
        for _ in range(CHECKS):
            await claims.check()
        gc.collect()
        counters = {members_name(claims.queue_name), hungry_name(claims.queue_name)}
        kept = [o for o in gc.get_objects() if isinstance(o, RobustQueue) and o.name in counters]
    assert len(kept) <= len(counters), f"{len(kept)} queue objects kept after {CHECKS} checks"
