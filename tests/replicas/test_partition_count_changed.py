"""Changing GREENLIGHT_PARTITIONS (0 → K, K → fewer, K → 0) leaves no queue bound that no worker consumes: every
event published after the change reaches a queue the workers now read, and what the old queues held, a retry
parked in one of their retry queues included, is moved there once, nothing lost, by two processes of the new count
starting together. Before, a partition past the new K stayed bound to the hash ring (an app hashing to it was stuck
for good), and the shared queue of 0 stayed bound beside the partitions, growing with nobody reading it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import aio_pika
import pytest

from services.shared.events import ReleaseEvent
from services.shared.partitions import partition_names
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, service_app
from services.shared.settings import BusSettings
from services.shared.topology import declare_retry_queue, retry_delays
from tests.harness import make_release, running
from tests.replicas.stack import delete_partitions

APPS = [f"app-{n}" for n in range(24)]


@pytest.fixture
async def any_bus(bus_settings: BusSettings) -> AsyncIterator[BusSettings]:
    # Retries parked for a minute: the one parked before the change must still be in its retry queue when moved.
    bus = bus_settings.model_copy(update={"retry_initial_delay": 60.0, "retry_max_delay": 60.0,
                                          "retry_budget": timedelta(minutes=5)})
    yield bus
    for partitions in (4, 2):
        await delete_partitions(bus.model_copy(update={"partitions": partitions}))


def built(app: str) -> ReleaseEvent:
    release = make_release(f"r-{app}", app=app, state=S.BUILT, seq=3, image=f"{app}:1")
    return ReleaseEvent(release_id=release.id, app=app, seq=3, state=S.BUILT, actor="builder", release=release)


async def depths(bus: BusSettings, *names: str) -> dict[str, int | None]:
    """Each queue's message count, None for a queue that does not exist."""
    found: dict[str, int | None] = {}
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value())
    async with connection:
        for name in names:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(name, passive=True)
                found[name] = int(queue.declaration_result.message_count or 0)
            except aio_pika.exceptions.ChannelClosed:
                found[name] = None
    return found


async def publish(bus: BusSettings, events: list[ReleaseEvent], *, parked: ReleaseEvent | None = None,
                  processes: int = 1) -> None:
    """`events` published by the first of `processes` started at once with `bus`; `parked` put in a retry queue
    of the pusher's queue (its last partition) as a retry would be."""
    async with contextlib.AsyncExitStack() as stack:
        apps = await asyncio.gather(*(stack.enter_async_context(running(service_app(f"p{n}", bus)))
                                      for n in range(processes)))
        for event in events:
            await apps[0][BUS].publish(event)
        if parked is not None:
            base = bus.queue_prefix + "pusher"
            work_queue = partition_names(base, bus.partitions)[-1] if bus.partitions else base
            channel = await apps[0][BUS].connection.channel(publisher_confirms=True)
            retry = await declare_retry_queue(channel, bus, work_queue, retry_delays(bus)[-1])
            await channel.default_exchange.publish(aio_pika.Message(parked.dumps(), headers={"app": parked.app}),
                                                   routing_key=retry)
            await channel.close()


@pytest.mark.parametrize(("before", "after"), [(0, 4), (4, 2), (4, 0)])
async def test_every_event_lands_where_the_workers_now_read(any_bus: BusSettings, before: int, after: int) -> None:
    old, new = (any_bus.model_copy(update={"partitions": k}) for k in (before, after))
    base = any_bus.queue_prefix + "pusher"
    # Waiting in the old layout when the count changes, and a retry parked there.
    await publish(old, [built(app) for app in APPS[:12]], parked=built("parked"))
    await publish(new, [built(app) for app in APPS[12:]], processes=2)
    read_now = partition_names(base, after) if after else [base]
    retired = [name for name in (partition_names(base, before) if before else [base]) if name not in read_now]
    counts = await depths(any_bus, *read_now, *retired)
    assert sum(counts[name] or 0 for name in read_now) == len(APPS) + 1, counts
    assert all(counts[name] is None for name in retired), counts
