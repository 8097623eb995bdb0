"""A long release history in a stream of its own, for bench/history_bench.py: fill it, read it bare, drop it."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Iterator
from pathlib import Path

import aio_pika

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import WORK_QUEUES
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, Release
from services.shared.settings import BusSettings
from tests.cleanup import drop_topology

APPS = 500
STEPS = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED, S.SWITCHING,
         S.LIVE)
SHA = "0123456789abcdef0123456789abcdef01234567"


def history(releases: int) -> Iterator[ReleaseEvent]:
    """Each app's releases go live one after the other; each new one supersedes the one before."""
    live: dict[str, ReleaseEvent] = {}
    for n in range(releases):
        app = f"app{n % APPS}"
        previous = live.get(app)
        colour = previous.release.standby_colour.other if previous and previous.release.standby_colour \
            else Colour.BLUE
        event = first_event(Release(id=f"r{n}", app=app, repository="https://example.org/x.git", commit=SHA,
                                    requested_by="ann"), actor="ann")
        yield event
        for state in STEPS:
            changes = {"standby_colour": colour, "previous_release": previous.release_id if previous else None} \
                if state is S.DEPLOYING else {"approver": "bob"} if state is S.APPROVED else {}
            event = event.next(state, actor="bench", **changes)
            yield event
        if previous is not None:
            yield previous.next(S.SUPERSEDED, actor="bench", details={"superseded_by": event.release_id})
        live[app] = event


async def fill(settings: BusSettings, releases: int, window: int = 2000) -> int:
    """Publish the history (persistent, confirmed, `window` in flight at once); returns the event count."""
    bus = Bus(settings, connection_name="glbench-fill")
    await bus.connect()  # declares the exchange and the stream
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    count = 0
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(settings.exchange)
        pending: list[asyncio.Future[object]] = []
        for event in history(releases):
            message = aio_pika.Message(event.dumps(), content_type="application/json",
                                       message_id=event.message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
            pending.append(asyncio.ensure_future(exchange.publish(message, event.routing_key)))
            count += 1
            if len(pending) >= window:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        # The history happened: the services consumed their steps when it did. Left in the work queues, the
        # API measured afterwards would be working through 20,000 approval-policy checks meanwhile.
        for service in WORK_QUEUES:
            await (await channel.get_queue(settings.queue_prefix + service)).purge()
    finally:
        await connection.close()
        await bus.close()
    return count


async def bare_read(settings: BusSettings, events: int) -> float:
    """Seconds to read the whole stream with aio-pika, acking in bursts and parsing nothing."""
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    done = asyncio.Event()
    seen = 0
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=2000)
        queue = await channel.get_queue(settings.log_stream)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal seen
            seen += 1
            if seen % 1000 == 0 or seen >= events:
                await message.ack(multiple=True)
            if seen >= events:
                done.set()

        loop = asyncio.get_running_loop()
        started = loop.time()
        await queue.consume(on_message, arguments={"x-stream-offset": "first"})
        await done.wait()
        return loop.time() - started
    finally:
        await connection.close()


async def drop(settings: BusSettings) -> None:
    await drop_topology(settings)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if q < 100 and len(values) > 1 else max(values)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
