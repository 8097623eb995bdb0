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
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    AbstractRobustConnection,
)

from services.shared.deadline_steps import DEADLINE_KEY, STEP_DEADLINES
from services.shared.protocol import ReleaseState, routing_key
from services.shared.queue_moves import QueueLookout
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from services.shared.timer_putback import CLOCK_SKEW, put_back

log = structlog.get_logger(__name__)
CHECK_PATIENCE = 30.0  # seconds a check (a queue looked for, declared, its timers read back from the log) may take
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
    lookout = QueueLookout(connection)
    try:
        while not (await asyncio.wait({closed}, timeout=every))[0]:
            for queue in queues:
                try:
                    await bounded(_check(connection, bus, queue, lookout), CHECK_PATIENCE)
                except Exception as exc:  # the broker away or slow: the next check tries again
                    log.warning("could not check a step deadline's timer queue", queue=queue.name,
                                error=repr(exc)[:300])
    finally:
        closed.cancel()
        with contextlib.suppress(Exception):
            await lookout.close()


async def _check(connection: AbstractRobustConnection, bus: BusSettings, queue: TimerQueue,
                 lookout: QueueLookout) -> None:
    if await lookout.exists(queue.name):
        return
    # Put back before it is bound: a timer the broker copies meanwhile, with the whole deadline to run, would hold
    # the ones put back behind it (a queue expires messages at its head only). What the log took during the first
    # read and until the binding is put back after it, with nearly the whole deadline too.
    await queue.declare()
    put, read_to = await put_back(connection, bus, queue.name, queue.start, queue.deadline,
                                  datetime.now(UTC) - queue.deadline - CLOCK_SKEW)
    await queue.bind()
    more, _ = await put_back(connection, bus, queue.name, queue.start, queue.deadline, read_to + 1)
    log.warning("a step deadline's timer queue was deleted; declared again, its timers put back from the log",
                queue=queue.name, timers=put + more)
