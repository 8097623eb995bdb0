"""A step deadline's timer queue deleted while the API stays connected (an operator, a policy) is declared again, with
its binding, and the timers it held are put back from the release log.

Nothing publishes the timers (the broker copies each step's starting event into the queue, deadlines.py), so no
publish comes back to say the queue is gone: events are still routed to the log and the work queues. It was declared
again only at a reconnect or a restart; meanwhile no release got a deadline, and those that had one lost it with the
queue. So the queues in force are looked for every GREENLIGHT_DEADLINE_TIMERS_CHECK, and a queue found missing gets
back, with the time each had left, a timer for each starting event the log holds from within its deadline. One that
fires twice (two API replicas put it back) is harmless: the watcher fails a release only while it is in its step.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aio_pika
import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from services.shared.deadline_steps import DEADLINE_KEY, STEP_DEADLINES
from services.shared.events import BadMessage, parse_event
from services.shared.protocol import ReleaseState, routing_key
from services.shared.queue_moves import queue_exists
from services.shared.releaselog import MARKER_HEADER
from services.shared.settings import BusSettings
from services.shared.stream_consumer import consume_stream
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
CHECK_PATIENCE = 30.0  # seconds a check (a queue looked for, declared, its timers read back from the log) may take
CLOCK_SKEW = timedelta(minutes=1)  # event times are the publishers' clocks: better a timer too many than one too few
_RUNNING: set[asyncio.Task[None]] = set()


@dataclass(frozen=True)
class TimerQueue:
    name: str
    start: ReleaseState  # the state whose events the queue times
    deadline: timedelta
    declare: Callable[[], Awaitable[None]]  # the queue, unbound
    bind: Callable[[], Awaitable[None]]  # its binding to the events exchange


def timer_queue(channel: AbstractChannel, exchange: AbstractExchange, bus: BusSettings, step: str, name: str,
                deadline: timedelta) -> TimerQueue:
    """`step`'s timer queue `name` (deadlines.py names it), declared and bound on `channel`."""
    start = STEP_DEADLINES[step][0]
    arguments = {
        **bus.quorum_arguments(),
        "x-message-ttl": round(deadline.total_seconds() * 1000),
        "x-dead-letter-exchange": bus.exchange,
        "x-dead-letter-routing-key": DEADLINE_KEY.format(step=step),
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    declared: list[AbstractQueue] = []

    async def declare() -> None:
        declared[:] = [await channel.declare_queue(name, durable=True, arguments=arguments)]

    async def bind() -> None:
        # On the queue `declare` made: a robust channel restores at a reconnect what it declared and bound.
        await declared[0].bind(exchange, routing_key("*", start))

    return TimerQueue(name, start, deadline, declare, bind)


def watch_timer_queues(connection: AbstractRobustConnection, bus: BusSettings, every: timedelta,
                       queues: list[TimerQueue]) -> asyncio.Task[None]:
    """Look for `queues` every `every` until `connection` closes (or the task is cancelled)."""
    task = asyncio.create_task(_watch(connection, bus, every.total_seconds(), queues))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return task


async def _watch(connection: AbstractRobustConnection, bus: BusSettings, every: float,
                 queues: list[TimerQueue]) -> None:
    closed = asyncio.ensure_future(connection.closed())
    while not (await asyncio.wait({closed}, timeout=every))[0]:
        for queue in queues:
            try:
                await bounded(_check(connection, bus, queue), CHECK_PATIENCE)
            except Exception as exc:  # the broker away or slow: the next check tries again
                log.warning("could not check a step deadline's timer queue", queue=queue.name, error=repr(exc)[:300])


async def _check(connection: AbstractRobustConnection, bus: BusSettings, queue: TimerQueue) -> None:
    if await queue_exists(connection, queue.name):
        return
    # Put back before it is bound: a timer the broker copies meanwhile, with the whole deadline to run, would hold
    # the ones put back behind it (a queue expires messages at its head only). What the log took during the first
    # read and until the binding is put back after it, with nearly the whole deadline too.
    await queue.declare()
    put, read_to = await _put_back(connection, bus, queue, datetime.now(UTC) - queue.deadline - CLOCK_SKEW)
    await queue.bind()
    more, _ = await _put_back(connection, bus, queue, read_to + 1)
    log.warning("a step deadline's timer queue was deleted; declared again, its timers put back from the log",
                queue=queue.name, timers=put + more)


async def _put_back(connection: AbstractRobustConnection, bus: BusSettings, queue: TimerQueue,
                    since: datetime | int) -> tuple[int, int]:
    """A timer for each of the step's starting events logged `since` (a time, or a stream offset); how many, and the
    offset read to."""
    now, marker = datetime.now(UTC), uuid.uuid4().hex
    found: list[AbstractIncomingMessage] = []
    read: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_message(message: AbstractIncomingMessage) -> None:
        await message.ack()  # a stream's ack only grants credit
        headers = message.headers or {}
        if headers.get(MARKER_HEADER) != marker:
            found.append(message)
        elif not read.done():
            offset = headers.get("x-stream-offset")
            read.set_result(offset if isinstance(offset, int) else 0)

    async def reading_channel() -> aio_pika.abc.AbstractChannel:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=1000)
        return channel

    channel = await consume_stream(reading_channel, bus.log_stream, on_message, {"x-stream-offset": since})
    try:
        await channel.default_exchange.publish(aio_pika.Message(b"", headers={MARKER_HEADER: marker}),
                                               routing_key=bus.log_stream)
        read_to = await read
        put = 0
        for message in found:
            try:
                event = parse_event(message.body)
            except BadMessage:
                continue
            if event.state is queue.start and (left := event.occurred_at + queue.deadline - now) > -CLOCK_SKEW:
                headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
                await channel.default_exchange.publish(aio_pika.Message(
                    message.body, headers=headers, message_id=message.message_id,
                    content_type=message.content_type, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    expiration=max(left, timedelta(milliseconds=1))), routing_key=queue.name)
                put += 1
        return put, read_to
    finally:
        await channel.close()
