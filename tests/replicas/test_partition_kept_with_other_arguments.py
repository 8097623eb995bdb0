"""A partition that exists with other arguments (declared by a deployment with another GREENLIGHT_DELIVERY_LIMIT or
GREENLIGHT_QUEUE_REPLICAS) is kept as it is, as an unpartitioned work queue is, and every partition after it is still
declared and bound to the ring. Before, the broker's refusal of the redeclare stopped every service at start-up."""

from __future__ import annotations

import aio_pika

from services.shared.bus import Bus
from services.shared.partitions import hash_exchange_name, partition_names
from services.shared.settings import BusSettings
from tests.replicas.stack import delete_partitions
from tests.shared.test_work_queue_kept_with_other_arguments import queue_arguments


async def test_a_partition_with_other_arguments_is_kept_and_the_rest_declared(bus_settings: BusSettings) -> None:
    settings = bus_settings.model_copy(update={"partitions": 3})
    pusher = settings.queue_prefix + "pusher"
    first, kept, last = partition_names(pusher, 3)
    try:
        setup = await aio_pika.connect(settings.amqp_url.get_secret_value())
        async with setup:
            await (await setup.channel()).declare_queue(kept, durable=True, arguments={
                "x-queue-type": "quorum", "x-delivery-limit": 99, "x-single-active-consumer": True})
        bus = Bus(settings, connection_name="gltest-kept-partition")
        await bus.connect()
        try:
            assert '"x-delivery-limit",99' in await queue_arguments(kept)  # kept, not redeclared
            channel = await bus.connection.channel()
            ring = await channel.get_exchange(hash_exchange_name(pusher), ensure=False)
            for name in (first, kept, last):  # each bound to the ring: a bind of a missing queue closes the channel
                await (await channel.declare_queue(name, passive=True)).bind(ring, "1")
        finally:
            await bus.close()
    finally:
        await delete_partitions(settings)
