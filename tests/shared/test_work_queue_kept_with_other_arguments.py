"""A work queue that exists with other arguments is kept as it is, and every queue declared after it in the same
start-up is still declared and bound (the declares share one channel, which that refusal closes)."""

from __future__ import annotations

import asyncio
import subprocess

import aio_pika

from services.shared.bus import Bus
from services.shared.settings import BusSettings


async def queue_arguments(name: str) -> str:
    listing = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_queues", "name", "arguments", stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(listing.communicate(), 30)
    assert listing.returncode == 0, "rabbitmqctl could not list the broker's queues"
    [line] = [line for line in out.decode().splitlines() if line.split("\t")[0] == name]
    return line


async def routed(channel: aio_pika.abc.AbstractChannel, queue: str) -> int:
    got = 0
    while (message := await (await channel.get_queue(queue, ensure=False)).get(fail=False)) is not None:
        await message.ack()
        got += 1
    return got


async def test_a_queue_with_other_arguments_is_kept_and_the_rest_declared(bus_settings: BusSettings) -> None:
    # The pusher's queue, declared by an older Greenlight with another delivery limit: a middle one of the
    # queues every service declares, so some come after the refusal.
    pusher, deployer = bus_settings.queue_prefix + "pusher", bus_settings.queue_prefix + "deployer"
    setup = await aio_pika.connect(bus_settings.amqp_url.get_secret_value())
    async with setup:
        await (await setup.channel()).declare_queue(pusher, durable=True, arguments={
            "x-queue-type": "quorum", "x-delivery-limit": 99})

    bus = Bus(bus_settings, connection_name="gltest-kept-queue")
    await bus.connect()
    try:
        assert '"x-delivery-limit",99' in await queue_arguments(pusher)  # kept, not redeclared
        assert '"x-delivery-limit",99' not in await queue_arguments(deployer)  # declared with Greenlight's own
        channel = await bus.connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(bus_settings.exchange, ensure=False)
        for key in ("release.demo.built", "release.demo.pushed"):
            await exchange.publish(aio_pika.Message(b"{}"), key)
        # Both bound: the kept queue (bound on the channel reopened after the refusal) and the one after it.
        assert (await routed(channel, pusher), await routed(channel, deployer)) == (1, 1)
    finally:
        await bus.close()
