"""Every service's work queue, declared by each service as it connects (bus.py), in the partition layout in use, and
what an earlier partition count left moved into it (relayout.py)."""

from __future__ import annotations

from aio_pika.abc import AbstractRobustConnection

from services.shared.partitions import PARTITIONED, declare_partitions
from services.shared.protocol import WORK_QUEUES, routing_key
from services.shared.relayout import retire_old_layout
from services.shared.settings import BusSettings
from services.shared.topology import declare_work_queues


async def declare_every_work_queue(connection: AbstractRobustConnection, settings: BusSettings) -> None:
    # Every step's queue, not only this service's: an event is kept for a service not started yet. The
    # notifier's is bound per subscription instead (notified.py): declared here, bound by subscriptions.
    plain: dict[str, list[str]] = {}
    for service, states in WORK_QUEUES.items():
        keys = [] if service == "notifier" else [routing_key("*", state) for state in states]
        if settings.partitions and service in PARTITIONED:
            await declare_partitions(connection, settings, settings.queue_prefix + service, keys)
        else:
            plain[settings.queue_prefix + service] = keys
    await declare_work_queues(connection, settings, plain)
    for service in PARTITIONED:  # after the layout in use exists: what an earlier partition count left
        keys = [routing_key("*", state) for state in WORK_QUEUES[service]]
        await retire_old_layout(connection, settings, settings.queue_prefix + service, keys)
