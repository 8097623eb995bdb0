"""A call in flight on a connection that goes silent: aiormq finds the connection stuck after a few heartbeats and
cancels the call, so its caller gets CancelledError although its task was never cancelled (this pins that against
the installed aiormq). `on_the_broker` (stuck.py) makes that a ConnectionError, while a real cancellation of the task
still propagates; a publish on such a connection fails as PublishFailed (an API answers 503) instead of escaping as
a cancellation (the API dropped the request without an answer)."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest

from services.shared.bus import Bus, PublishFailed
from services.shared.events import first_event
from services.shared.settings import BusSettings
from services.shared.stuck import CallAbandoned, on_the_broker
from tests.harness import make_release
from tests.tcp_proxy import proxied

HEARTBEAT = 1  # seconds: aiormq gives a silent connection up after about six


async def test_a_call_cut_off_by_a_stuck_connection_is_told_apart(bus_settings: BusSettings) -> None:
    async with proxied(bus_settings, heartbeat=HEARTBEAT) as (proxy, through):
        connection = await aio_pika.connect(through.amqp_urls()[0])
        channel = await connection.channel()
        proxy.freeze()
        with pytest.raises(asyncio.CancelledError):  # aiormq's doing, not ours...
            async with asyncio.timeout(30):
                await channel.declare_queue("gltest-stuck-call", auto_delete=True)
        assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
        proxy.thaw()
        await connection.close()

        connection = await aio_pika.connect(through.amqp_urls()[0])
        channel = await connection.channel()
        proxy.freeze()
        with pytest.raises(CallAbandoned):  # ...which on_the_broker tells apart
            await asyncio.wait_for(on_the_broker(channel.declare_queue("gltest-stuck-call", auto_delete=True)), 30)
        proxy.thaw()
        await connection.close()


async def test_a_cancellation_of_the_task_still_propagates() -> None:
    waiting = asyncio.Event()

    async def call_that_never_answers() -> None:
        waiting.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(on_the_broker(call_that_never_answers()))
    await asyncio.wait_for(waiting.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_publish_on_a_stuck_connection_fails_as_publish_failed(bus_settings: BusSettings) -> None:
    # A publish timeout longer than the stuck detection: what is seen is the connection given up, not the timeout.
    settings = bus_settings.model_copy(update={"publish_timeout": 30.0})
    async with proxied(settings, heartbeat=HEARTBEAT) as (proxy, through):
        bus = Bus(through, connection_name="gltest-stuck-publish")
        await bus.connect()
        try:
            proxy.freeze()
            with pytest.raises(PublishFailed):
                await asyncio.wait_for(bus.publish(first_event(make_release("r1"), actor="ann")), 30)
            proxy.thaw()
        finally:
            await bus.close()
