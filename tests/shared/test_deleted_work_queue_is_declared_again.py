"""A work queue deleted under a running service (an operator's `rabbitmqctl delete_queue`, a policy, a quorum queue
lost with its nodes) is declared again, with its bindings, and consumed again: without partitions the broker's
basic.cancel left the consumer gone for good (aio-pika only re-subscribes to a queue that exists), and events meant
for the service reached only the release log. Deleted while the connection was down, the queue's passive restore
failed every reconnect: the service never got its connection back."""

from __future__ import annotations

import asyncio

from aiohttp import web

from services.shared.consumer import Consumer
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, CONSUMERS, STORE
from services.shared.settings import BusSettings
from tests.harness import delete_queues, make_release, running, wait_for_state
from tests.shared.conftest import stub_service
from tests.tcp_proxy import proxied


async def built_once_requested(probe: web.Application, release: str, within: float = 15.0) -> None:
    """Request `release` until the builder builds it: a copy published before the queue exists again reaches only
    the log (nothing else can hold it), so the request is repeated, each copy the same event (folded once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        await probe[BUS].publish(first_event(make_release(release), actor="ann"))
        try:
            await wait_for_state(probe[STORE], release, S.BUILT, timeout=1.0)
            return
        except TimeoutError:
            if loop.time() > deadline:
                raise AssertionError(f"{release} never built: the deleted work queue was not consumed again "
                                     f"within {within} s") from None


async def test_a_work_queue_deleted_under_the_consumer_is_consumed_again(
    bus_settings: BusSettings, probe: web.Application
) -> None:
    async with running(stub_service(bus_settings)) as service:
        await built_once_requested(probe, "r1")
        await delete_queues(bus_settings, bus_settings.queue_prefix + "builder")
        await built_once_requested(probe, "r2")
        [consumer] = service[CONSUMERS]
        assert isinstance(consumer, Consumer) and consumer.consuming


async def test_a_work_queue_deleted_while_the_broker_was_away_is_consumed_again(
    bus_settings: BusSettings, probe: web.Application
) -> None:
    async with proxied(bus_settings) as (proxy, via_proxy), running(stub_service(via_proxy)) as service:
        await built_once_requested(probe, "r1")
        [consumer] = service[CONSUMERS]
        assert isinstance(consumer, Consumer)
        await proxy.away()
        await delete_queues(bus_settings, bus_settings.queue_prefix + "builder")
        await proxy.back()
        await built_once_requested(probe, "r2")
        assert consumer.consuming
