"""A partition deleted under its owner (by an operator, or by a re-layout: relayout.py) gets its consumer cancelled
by the broker while the channel stays open. The owner must not go on holding it as if it were consumed: it gives it
up, declares it again (queue and binding) and claims it, so the apps that hash to it are handled again."""

from __future__ import annotations

from services.shared.settings import BusSettings
from tests.harness import delete_queues
from tests.replicas.claimers import Runs, after_a_check, replica, request_each
from tests.replicas.stack import apps_covering


async def test_a_deleted_partition_is_declared_and_claimed_again(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 0.1})
    apps = await apps_covering(settings, 2)  # an app in each partition
    runs = Runs()
    async with replica(settings, "a", runs) as owner:
        await after_a_check(owner, lambda: len(owner.owned) == 2)
        deleted = owner.partitions[0]
        cancelled = owner.owned[deleted]
        await delete_queues(settings, deleted)
        await after_a_check(owner, lambda: deleted in owner.owned and owner.owned[deleted] is not cancelled)
        await request_each(settings, apps)
        await runs.until(lambda: runs.running.get("a") == set(apps))
        runs.go.set()
