"""What one queue copy of an event costs the broker: the price of a binding, and of a step-deadline timer.

1. Baseline: a persistent publish (confirmed) routed into one quorum queue and left there: one copy.
2. A step-deadline timer as `services/shared/deadlines.py` declares it: the copy waits out a TTL in a quorum delay
   queue, is dead-lettered at least once back through the exchange into a quorum queue, and consumed and acked.
Broker CPU (beam.smp, user + system) per message for each, and the timer's ratio to the plain copy, measured in
the same run. Nothing else should run meanwhile: the broker's CPU is counted whole.
Run: .venv/bin/python -m bench.queue_copy_bench [--messages 4000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import uuid

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bench.baseline import BODY, cpu_seconds

URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
WINDOW = 50  # publishes in flight at once


async def one_round(messages: int) -> tuple[float, float]:
    """Broker ms per message: (a plain copy, a timer's whole life)."""
    connection = await aio_pika.connect_robust(URL, client_properties={"connection_name": "glbench-copies"})
    prefix = f"glbench.copies.{uuid.uuid4().hex[:6]}."
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(f"{prefix}events", aio_pika.ExchangeType.TOPIC, auto_delete=True)
        quorum = {"x-queue-type": "quorum"}
        plain = await channel.declare_queue(f"{prefix}plain", durable=True, arguments=quorum)
        await plain.bind(exchange, "release.*.built")
        watcher = await channel.declare_queue(f"{prefix}watcher", durable=True, arguments=quorum)
        await watcher.bind(exchange, "deadline.#")
        timers = await channel.declare_queue(f"{prefix}timers", durable=True, arguments={
            **quorum, "x-message-ttl": 200, "x-dead-letter-exchange": exchange.name,
            "x-dead-letter-routing-key": "deadline.build", "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish"})
        await timers.bind(exchange, "release.*.requested")
        expired = 0
        all_expired = asyncio.Event()

        async def on_expired(message: AbstractIncomingMessage) -> None:
            nonlocal expired
            await message.ack()
            expired += 1
            if expired == messages:
                all_expired.set()

        tag = await watcher.consume(on_expired)

        async def publish_all(key: str) -> None:
            for start in range(0, messages, WINDOW):
                await asyncio.gather(*(exchange.publish(aio_pika.Message(
                    BODY, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), key)
                    for _ in range(min(WINDOW, messages - start))))

        before = cpu_seconds("beam.smp")
        await publish_all("release.demo.built")
        copy = (cpu_seconds("beam.smp") - before) / messages * 1000
        before = cpu_seconds("beam.smp")
        await publish_all("release.demo.requested")
        await asyncio.wait_for(all_expired.wait(), 120)
        timer = (cpu_seconds("beam.smp") - before) / messages * 1000
        await watcher.cancel(tag)
        for queue in (plain, timers, watcher):
            await channel.queue_delete(queue.name, if_unused=False, if_empty=False)
    return copy, timer


async def main(messages: int, rounds: int) -> None:
    ratios = []
    for n in range(1, rounds + 1):
        copy, timer = await one_round(messages)
        ratios.append(timer / copy)
        print(f"[round {n}] broker CPU per message: one quorum copy {copy:.3f} ms (baseline); "
              f"a deadline timer's life {timer:.3f} ms: {timer / copy:.2f}x")
    print(f"a deadline timer costs {statistics.median(ratios):.2f}x a plain quorum copy (median of {rounds} rounds, "
          f"range {min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rounds))
