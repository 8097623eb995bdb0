"""Consuming release events with a stated ack policy, dead-lettering and a graceful drain."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from services.shared.bus import PUBLISHED, REDELIVERED, RETRIED, Bus, PublishFailed
from services.shared.db.outage import is_outage, outage_of
from services.shared.ended import ReleaseEnded
from services.shared.events import BadMessage, ReleaseEvent, check_routing, parse_event
from services.shared.giveup import GiveUp, settle
from services.shared.locks import KeyedLocks
from services.shared.protocol import ReleaseState, routing_key
from services.shared.retries import Budget, Retrier, Retry, RetryState
from services.shared.safepoint import already_past, learn_recent_endings
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.shared.topology import declare_work_queue

__all__ = ["AckPolicy", "Consumer", "Handler", "Retry", "Subscription", "Worker"]

log = structlog.get_logger(__name__)
RETURN_WAIT = 2.0  # seconds a requeued message's app is held for its redelivery to come (`_requeue`)
RESUBSCRIBE_PAUSE = 1.0  # seconds after a failed attempt to consume a lost queue again, doubling up to 10 times it

Handler = Callable[[ReleaseEvent, Bus], Awaitable[None]]
# A handler's own retry budget for an event, used instead of GREENLIGHT_RETRY_BUDGET; None: the general one.
BudgetOf = Callable[[ReleaseEvent], Budget | None]


class AckPolicy(StrEnum):
    # Ack only once the handler's effect is done and every event it published is confirmed.
    # An exception requeues (the quorum queue counts deliveries); on the last allowed delivery the
    # release is failed with the error and the message dead-lettered, so nothing loops forever.
    # A delivery past the limit means the service died (or lost the broker) every time it held the
    # message: the handler is not run again, the release is failed and the message dead-lettered.
    # A message that cannot be parsed is dead-lettered at once with the reason.
    # A `Retry` (a dependency is unavailable; the database out of reach counts as one) is acked once a copy is
    # parked in a delay queue on the broker (see retries.py): it comes back after a backoff, and the release fails
    # once the retry budget is spent (GREENLIGHT_RETRY_BUDGET, or the handler's own: Subscription.retry_budget).
    AFTER_EFFECT = "ack-after-effect"


@dataclass(frozen=True)
class Subscription:
    service: str
    states: Sequence[ReleaseState]
    handler: Handler
    ack_policy: AckPolicy = AckPolicy.AFTER_EFFECT
    queue: str | None = None  # default: <queue_prefix><service>; tests pass unique names
    # Raw routing keys bound besides the states, e.g. a TTL'd timer dead-lettered back to this queue.
    extra_routing_keys: Sequence[str] = ()
    # Drop messages of releases that already ended (aborted, past a deadline) before the handler runs. Off for
    # a subscriber that decides on the release's state itself (the deadline watcher).
    skip_ended: bool = True
    # The retry budget of the handler's messages, if one of them needs its own (retries.py: `Budget`).
    retry_budget: BudgetOf | None = None


class Worker(Protocol):
    """What a service runs per subscription: a Consumer of one queue, or PartitionClaims (claims.py)."""

    queue_name: str
    draining: asyncio.Event

    @property
    def handled(self) -> int: ...

    async def start(self) -> None: ...

    async def stop(self, grace: float) -> None: ...


def routing_keys(sub: Subscription) -> list[str]:
    return [routing_key("*", state) for state in sub.states] + list(sub.extra_routing_keys)


class Consumer:
    def __init__(self, bus: Bus, subscription: Subscription, queue: str | None = None, *,
                 one_per_app: bool = False) -> None:
        self.bus = bus
        self.sub = subscription
        self.queue_name = queue or subscription.queue or f"{bus.settings.queue_prefix}{subscription.service}"
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.draining = asyncio.Event()  # set once no new message will be taken
        self.handled = 0
        # `one_per_app`: one message of an app at a time, in delivery order (asyncio.Lock is FIFO); on a
        # partition (partitions.py) this is what keeps an app's releases in order within the one replica.
        self._apps = KeyedLocks() if one_per_app else None
        self._returning: dict[str, tuple[asyncio.Event, asyncio.Event]] = {}  # see _requeue
        self._holding = False  # giving the queue up: deliveries from now on are not started (see release)
        self._give_up = GiveUp(bus, subscription.service, self.queue_name)
        self._retrier = Retrier(bus, subscription.service, self.queue_name, self._give_up)
        # Unpartitioned (`start`): consuming on the broker, and the task that consumes again once that is lost.
        self._consuming = False
        self._keeper: asyncio.Task[None] | None = None
        self._resubscribe = asyncio.Event()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def tag(self) -> str | None:
        return self._tag

    @property
    def abandoned(self) -> bool:
        return self._holding

    @property
    def channel_lost(self) -> bool:
        return self._channel is not None and self._channel.is_closed

    @property
    def consuming(self) -> bool:
        """Whether the broker is delivering this queue to us: false while it is declared and consumed again."""
        return self._consuming and not self.channel_lost

    async def start(self) -> None:
        """Consume the one queue of an unpartitioned subscription, for as long as the service runs. A plain channel, not
        a robust one: aio-pika restores a robust channel's consumer only to a queue that still exists (a passive
        declare), so a queue deleted under the service (an operator, a policy, a quorum queue lost with its nodes)
        was never consumed again, its events reaching only the log; deleted while the broker was away, it failed
        every reconnect of the whole connection. Here a consumer the broker cancels, or a channel lost, has its queue
        declared again as at start (bindings too) and consumed again (`_keep_consuming`)."""
        await declare_work_queue(self.bus.connection, self.bus.settings, self.queue_name, routing_keys(self.sub))
        if self.sub.skip_ended:
            await learn_recent_endings(self.bus)
        await self._subscribe(declare=False)
        self._keeper = asyncio.create_task(self._keep_consuming())

    async def _subscribe(self, *, declare: bool = True) -> None:
        await self.bus.connection.ready()
        if declare:
            await declare_work_queue(self.bus.connection, self.bus.settings, self.queue_name, routing_keys(self.sub))
        if self._channel is None or self._channel.is_closed:  # after a cancel alone, what it holds is acked on it
            channel = aio_pika.Channel(self.bus.connection)
            await channel.initialize()
            self._channel = channel
            channel.close_callbacks.add(
                lambda closed, exc: self._lost(closed is self._channel, f"its channel closed: {exc!r}"[:300]))
            (await channel.get_underlay_channel()).on_consumer_cancel_callbacks.add(
                lambda frame: self._lost(frame.consumer_tag == self._tag, "the broker cancelled the consumer "
                                         "(its queue deleted?)"))
            await channel.set_qos(prefetch_count=self.bus.settings.prefetch)
        self._queue = await self._channel.get_queue(self.queue_name, ensure=False)
        self._tag = await self._queue.consume(self._spawn, no_ack=False)
        self._consuming = True
        log.info("consuming", queue=self.queue_name, states=[s.value for s in self.sub.states],
                 ack_policy=self.sub.ack_policy.value)

    def _lost(self, ours: bool, why: str) -> None:
        if ours and self._consuming:  # not after a stop began (its close), nor twice for one loss
            log.warning("consumer lost; declaring its queue again and consuming it", queue=self.queue_name, why=why)
            self._consuming = False
            self._resubscribe.set()

    async def _keep_consuming(self) -> None:
        pause = RESUBSCRIBE_PAUSE
        while True:
            await self._resubscribe.wait()
            self._resubscribe.clear()
            while not self._consuming:
                try:
                    await on_the_broker(self._subscribe())
                    pause = RESUBSCRIBE_PAUSE
                except Exception as exc:  # the broker away or refusing: tried again, never given up
                    log.warning("could not consume the queue again; retrying", queue=self.queue_name,
                                error=repr(exc)[:300], pause=pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 10 * RESUBSCRIBE_PAUSE)

    async def consume(self, channel: AbstractChannel) -> None:
        """Consume this queue on `channel` (its prefetch already set)."""
        self._channel = channel
        self._queue = await channel.get_queue(self.queue_name, ensure=True)
        self._tag = await self._queue.consume(self._spawn, no_ack=False)
        log.info("consuming", queue=self.queue_name, states=[s.value for s in self.sub.states],
                 ack_policy=self.sub.ack_policy.value)

    async def release(self, grace: float | None) -> None:
        """Give a partition up to another replica without handing it a later message of an app still being
        handled here: deliveries stop (basic.cancel), the messages taken finish (within `grace`; None: however
        long they take, each within its handler's own timeout, until `abandon`), then the channel closes. The
        partition's lock, dropped only after this, keeps the next owner off meanwhile.
        Holding back what kept coming instead, and returning it at the close, spent one of each message's
        allowed deliveries per hand-over: a quorum queue counts every return. What an ack sent during the
        cancel's round trip still brings (the broker fills the prefetch it freed) is returned so, once."""
        if self._queue is not None and self._tag is not None and not self.channel_lost:
            await _bounded(self._queue.cancel(self._tag))
        self._holding = True
        self.draining.set()
        await self._finish(grace)
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):  # not bounded: a cancelled close desyncs the connection
                await self._channel.close()

    def abandon(self) -> None:
        """The channel closed under us (connection lost): nothing taken can be acked any more and the broker
        hands it to the next owner, so the handlers stop now rather than act alongside it. Synchronous: run
        from the channel's close callback, the moment the loss is seen."""
        self._holding = True
        for task in self._in_flight:
            task.cancel()

    async def lose(self) -> None:
        """`abandon`, wait for the handlers to end, and close the channel if it is open still (abandoned while
        the broker did not answer): what it holds goes back to the queue."""
        self.abandon()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._retrier.close()
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):  # not bounded: a cancelled close desyncs the connection
                await self._channel.close()

    async def _finish(self, grace: float | None) -> None:
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:  # unacked: the broker redelivers them to another consumer
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._retrier.close()

    async def stop(self, grace: float) -> None:
        """Stop taking messages, let in-flight ones finish within `grace`, then cancel the rest."""
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        consuming, self._consuming = self.consuming, False
        alive = not self.bus.connection.is_closed
        if alive and self._queue is not None and self._tag is not None and (consuming or self._keeper is None):
            await _bounded(self._queue.cancel(self._tag))
        self.draining.set()
        await self._finish(grace)
        if alive and self._channel is not None:
            await _bounded(self._channel.close())

    async def _spawn(self, message: AbstractIncomingMessage) -> None:
        if self._holding:
            return  # left unacked: returned to the queue when the channel closes
        task = asyncio.create_task(self._handle(message))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        PUBLISHED.set({})
        RETRIED.set(None)
        try:
            event = parse_event(message.body)
            check_routing(event, message.routing_key)
        except BadMessage as exc:
            await self._give_up.dead_letter(message, f"{self.queue_name}: {exc}")
            return
        bound = structlog.contextvars.bound_contextvars(release=event.release_id, app=event.app,
                                                       state=event.state.value, seq=event.seq)
        with bound:
            if self._apps is None:
                await self._handle_event(message, event)
                return
            if message.redelivered and (back := self._returning.pop(message.message_id or "", None)) is not None:
                back[0].set()  # its failed run holds the app for it (`_requeue`)
                try:
                    await self._handle_event(message, event)
                finally:
                    back[1].set()
                return
            async with self._apps.hold(event.app):
                await self._handle_event(message, event)

    async def _handle_event(self, message: AbstractIncomingMessage, event: ReleaseEvent) -> None:
        attempt = delivery_attempt(message)
        if attempt > self.bus.settings.delivery_limit:
            await self._give_up.unsettled(message, event, attempt)
            return
        retried = RetryState.of(message)
        REDELIVERED.set(bool(message.redelivered) or attempt > 1)
        if self.sub.skip_ended and await already_past(self.bus, event, waited=retried.count > 0):
            log.info("release already ended or past this step; not acting on it")
            await settle(message.ack())
            return
        if retried.count:
            RETRIED.set((event.release_id, retried.details()))
        try:
            await self.sub.handler(event, self.bus)
        except asyncio.CancelledError:
            raise
        except ReleaseEnded as exc:  # it ended while the handler worked: stop here, publish nothing more
            log.info("release ended while handling; stopped", reason=str(exc))
            await settle(message.ack())
            return
        except Retry as exc:
            await self._retrier.later(message, (PUBLISHED.get() or {}).get(event.release_id, event), exc,
                                      self._budget(event))
            return
        except Exception as exc:
            if is_outage(exc):  # an outage to wait out, like any dependency's: not a failed delivery
                await self._retrier.later(message, (PUBLISHED.get() or {}).get(event.release_id, event),
                                          outage_of(exc), self._budget(event))
                return
            if attempt < self.bus.settings.delivery_limit and not isinstance(exc, BadMessage):
                log.warning("handler failed; will be redelivered", attempt=attempt, error=repr(exc))
                if isinstance(exc, PublishFailed):
                    # The broker is likely reconnecting: requeueing at once would spend every allowed
                    # delivery in a second, before the publish channel is back.
                    await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
                await self._requeue(message)
                return
            log.error("handler failed for good", error=repr(exc))
            await self._give_up.failing(message, (PUBLISHED.get() or {}).get(event.release_id, event), repr(exc))
            return
        await settle(message.ack())
        self.handled += 1

    async def _requeue(self, message: AbstractIncomingMessage) -> None:
        """Return `message` for another delivery. One message of an app at a time (a partition): the app stays held
        until the redelivery has run, which a quorum queue sends first; let go at once, the app's next message,
        delivered and waiting, ran before it. A redelivery that does not come within RETURN_WAIT (the channel
        lost, the partition given up) lets the app go on."""
        key = message.message_id
        if self._apps is None or not key:
            await settle(message.nack(requeue=True))
            return
        back = self._returning[key] = (asyncio.Event(), asyncio.Event())  # (redelivered, its run ended)
        try:
            await settle(message.nack(requeue=True))
            with contextlib.suppress(TimeoutError):
                await bounded(back[0].wait(), RETURN_WAIT)
                await back[1].wait()
        finally:
            if self._returning.get(key) is back:
                del self._returning[key]

    def _budget(self, event: ReleaseEvent) -> Budget | None:
        return self.sub.retry_budget(event) if self.sub.retry_budget is not None else None


def delivery_attempt(message: AbstractIncomingMessage) -> int:
    """Which delivery of `message` this is. A quorum queue sets `x-delivery-count` on a redelivery only and passes a
    publisher's own through on the first (a dead letter replayed keeps the count its queue gave up at): read on a
    first delivery, a stale count failed the release unrun, and one that is no number left the message unsettled."""
    if not message.redelivered:
        return 1
    count = (message.headers or {}).get("x-delivery-count")
    return count + 1 if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 2


async def _bounded(op: Awaitable[object], seconds: float = 5.0) -> None:
    """A broker call during shutdown: on a dead connection a robust channel would wait forever, and on a stuck one
    the call is cancelled under us (stuck.py): either way the stop goes on."""
    with contextlib.suppress(Exception):
        await bounded(on_the_broker(op), seconds)
