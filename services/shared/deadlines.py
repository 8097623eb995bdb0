"""Step deadlines as timers on the broker: a stuck release fails with its step, even if its message was lost.

Each step has a delay queue bound straight to the events exchange on the state that starts the step, with the
step's deadline as its TTL. Every such event is copied into it by the broker itself, and dead-lettered, once
the TTL is out, to `deadline.<step>` on the same exchange, which the deadline watcher's queue binds. The watcher
fails the release if it is still in that step. Nothing publishes the timers, so no crash can skip one, and a
message the broker dead-lettered (delivery limit) still ends in a `failed` release and a free app. One queue
per step and deadline: all its timers have the same TTL, so they expire in order, and a changed deadline makes
a new queue instead of a PRECONDITION_FAILED. The queues of values no longer in force are unbound at once (left
bound, a lengthened deadline still failed every release at the old one) and deleted once their last timer fired;
the names declared are kept in a record queue, which exists only once a deadline differs from its default.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
from datetime import timedelta

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from services.shared.deadline_steps import DEADLINE_KEY, STEP_DEADLINES, STEP_STARTED_BY, DeadlineSettings
from services.shared.deadline_watch import timer_queue, watch_timer_queues
from services.shared.protocol import routing_key
from services.shared.settings import BusSettings

__all__ = [  # the steps and their settings are imported from here too
    "DEADLINE_KEY", "STEP_DEADLINES", "STEP_STARTED_BY", "DeadlineSettings", "deadline_of_queue",
    "deadline_queue_name", "declare_deadline_timers", "timers_record_name",
]

log = structlog.get_logger(__name__)
# The channel each connection's timers were declared on, kept open: a reconnect restores what an open robust channel
# declared (queues and bindings). Closed, timer queues lost while the broker was away (a node back without its
# definitions, a quorum queue lost with its nodes) were never declared again: no release had a deadline until a restart.
_KEPT: weakref.WeakKeyDictionary[AbstractRobustConnection, AbstractChannel] = weakref.WeakKeyDictionary()
_WATCHES: weakref.WeakKeyDictionary[AbstractRobustConnection, asyncio.Task[None]] = weakref.WeakKeyDictionary()


def deadline_queue_name(bus: BusSettings, step: str, deadline: timedelta) -> str:
    return f"{bus.queue_prefix}deadline.{step}.{round(deadline.total_seconds() * 1000)}ms"


def deadline_of_queue(bus: BusSettings, step: str, name: object) -> timedelta | None:
    """The deadline of `step` whose timers queue `name` holds (deadline_queue_name); None for any other name."""
    prefix = f"{bus.queue_prefix}deadline.{step}."
    if not (isinstance(name, str) and name.startswith(prefix) and name.endswith("ms")):
        return None
    digits = name.removeprefix(prefix).removesuffix("ms")
    return timedelta(milliseconds=int(digits)) if digits.isdigit() and int(digits) > 0 else None


async def declare_deadline_timers(connection: AbstractRobustConnection, bus: BusSettings,
                                  deadlines: DeadlineSettings) -> list[str]:
    """Idempotent; returns the delay queues' names. Declared again with their bindings whenever `connection`
    reconnects, and whenever one is found deleted while it stays connected (deadline_watch.py)."""
    channel = await connection.channel()
    queues = []
    try:
        exchange = await channel.get_exchange(bus.exchange, ensure=False)
        for step in STEP_DEADLINES:
            deadline = deadlines.of(step)
            queue = timer_queue(channel, exchange, bus, step, deadline_queue_name(bus, step, deadline), deadline)
            await queue.declare()
            await queue.bind()
            queues.append(queue)
    except BaseException:
        await channel.close()
        raise
    if (earlier := _KEPT.get(connection)) is not None and not earlier.is_closed:
        await earlier.close()  # a second declaration on one connection: only the deadlines in force come back
    _KEPT[connection] = channel
    if (watch := _WATCHES.get(connection)) is not None:
        watch.cancel()
    _WATCHES[connection] = watch_timer_queues(connection, bus, deadlines.timers_check, queues)
    names = [queue.name for queue in queues]
    await _retire_other_timers(connection, bus, names)
    return names


def timers_record_name(bus: BusSettings) -> str:
    return f"{bus.queue_prefix}deadline.timers"


async def _retire_other_timers(connection: AbstractRobustConnection, bus: BusSettings, in_force: list[str]) -> None:
    """Unbind the timer queues of other values (recorded, or the defaults'); record those still holding timers."""
    defaults = [deadline_queue_name(bus, step, DeadlineSettings.model_fields[step].default) for step in STEP_DEADLINES]
    record = timers_record_name(bus)
    if set(in_force) == set(defaults) and await _count(connection, record) is None:
        return  # the usual start: the defaults, never changed since deadlines were recorded
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(record, durable=True, arguments=bus.quorum_arguments())
        taken, known = [], set(defaults)
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            taken.append(message)
            with contextlib.suppress(ValueError, TypeError):
                known.update(name for name in json.loads(message.body) if isinstance(name, str))
        kept = set(in_force) | {name for name in known - set(in_force) if await _retire(connection, bus, name)}
        await channel.default_exchange.publish(aio_pika.Message(
            json.dumps(sorted(kept)).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=record)
        for message in taken:  # only now: a start cut short leaves the record as it was
            await message.ack()
    finally:
        if not channel.is_closed:
            await channel.close()


async def _retire(connection: AbstractRobustConnection, bus: BusSettings, name: str) -> bool:
    """Unbind `name`, and delete it once empty; True while it still holds timers (of releases that started before
    the change: they fire at the value the release started under)."""
    step = name.removeprefix(f"{bus.queue_prefix}deadline.").split(".")[0]
    if step not in STEP_DEADLINES or await _count(connection, name) is None:
        return False
    channel = await connection.channel()
    try:
        queue = await channel.get_queue(name, ensure=False)
        await queue.unbind(bus.exchange, routing_key("*", STEP_DEADLINES[step][0]))
        if left := await _count(connection, name):  # counted after the unbind: nothing new comes
            log.info("the timer queue of a deadline no longer in force goes once its timers fired", queue=name,
                     timers=left)
            return True
        await channel.queue_delete(name)
    finally:
        if not channel.is_closed:
            await channel.close()
    log.warning("retired the timer queue of a deadline no longer in force", queue=name)
    return False


async def _count(connection: AbstractRobustConnection, name: str) -> int | None:
    """The messages queue `name` holds; None if there is none. A passive declare on a channel of its own (the broker
    closes the channel of one that fails), not robust: nothing to redo after a reconnect."""
    channel = aio_pika.Channel(connection)
    await channel.initialize()
    try:
        return (await channel.declare_queue(name, passive=True)).declaration_result.message_count or 0
    except aio_pika.exceptions.ChannelClosed:
        await asyncio.wait_for(channel.closed(), 5)  # else aiormq logs the 404 at exit as an unhandled error
        return None
    finally:
        if not channel.is_closed:
            await channel.close()
