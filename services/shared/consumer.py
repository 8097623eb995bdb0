"""Consuming release events with a stated ack policy, dead-lettering and a graceful drain."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel

from services.shared.bus import PUBLISHED, Bus, PublishFailed
from services.shared.events import BadMessage, ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState, can_transition, routing_key
from services.shared.release import ReleaseError
from services.shared.releaselog import latest_event
from services.shared.topology import declare_work_queue

log = structlog.get_logger(__name__)

Handler = Callable[[ReleaseEvent, Bus], Awaitable[None]]
GIVE_UP_BACKOFF = 2.0  # seconds before requeueing a give-up whose `failed` could not be published
LOG_CLOCK_SKEW = timedelta(minutes=1)  # event times are the publishers' clocks, stream times the broker's


class AckPolicy(StrEnum):
    # Ack only once the handler's effect is done and every event it published is confirmed.
    # An exception requeues (the quorum queue counts deliveries); on the last allowed delivery the
    # release is failed with the error and the message dead-lettered, so nothing loops forever.
    # A delivery past the limit means the service died (or lost the broker) every time it held the
    # message: the handler is not run again, the release is failed and the message dead-lettered.
    # A message that cannot be parsed is dead-lettered at once with the reason.
    AFTER_EFFECT = "ack-after-effect"


class Retry(Exception):
    """A transient failure: leave the message for another delivery."""


@dataclass(frozen=True)
class Subscription:
    service: str
    states: Sequence[ReleaseState]
    handler: Handler
    ack_policy: AckPolicy = AckPolicy.AFTER_EFFECT
    queue: str | None = None  # default: <queue_prefix><service>; tests pass unique names
    # Raw routing keys bound besides the states, e.g. a TTL'd timer dead-lettered back to this queue.
    extra_routing_keys: Sequence[str] = ()


class Consumer:
    def __init__(self, bus: Bus, subscription: Subscription) -> None:
        self.bus = bus
        self.sub = subscription
        self.queue_name = subscription.queue or f"{bus.settings.queue_prefix}{subscription.service}"
        self._channel: AbstractRobustChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.draining = asyncio.Event()  # set once no new message will be taken
        self.handled = 0

    async def start(self) -> None:
        keys = [routing_key("*", state) for state in self.sub.states] + list(self.sub.extra_routing_keys)
        await declare_work_queue(self.bus.connection, self.bus.settings, self.queue_name, keys)
        self._channel = await self.bus.channel(self.bus.settings.prefetch)
        self._queue = await self._channel.get_queue(self.queue_name, ensure=True)
        self._tag = await self._queue.consume(self._spawn, no_ack=False)
        log.info("consuming", queue=self.queue_name, states=[s.value for s in self.sub.states],
                 ack_policy=self.sub.ack_policy.value)

    async def stop(self, grace: float) -> None:
        """Stop taking messages, let in-flight ones finish within `grace`, then cancel the rest."""
        alive = not self.bus.connection.is_closed
        if alive and self._queue is not None and self._tag is not None:
            await _bounded(self._queue.cancel(self._tag))
        self.draining.set()
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:  # unacked: the broker redelivers them to another consumer
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if alive and self._channel is not None:
            await _bounded(self._channel.close())

    async def _spawn(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.create_task(self._handle(message))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        PUBLISHED.set({})
        try:
            event = parse_event(message.body)
        except BadMessage as exc:
            await self._dead_letter(message, f"{self.queue_name}: {exc}")
            return
        bound = structlog.contextvars.bound_contextvars(release=event.release_id, app=event.app,
                                                       state=event.state.value, seq=event.seq)
        with bound:
            attempt = int((message.headers or {}).get("x-delivery-count") or 0) + 1  # type: ignore[arg-type]
            if attempt > self.bus.settings.delivery_limit:
                await self._give_up_unsettled(message, event, attempt)
                return
            try:
                await self.sub.handler(event, self.bus)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if attempt < self.bus.settings.delivery_limit and not isinstance(exc, BadMessage):
                    log.warning("handler failed; will be redelivered", attempt=attempt, error=repr(exc))
                    if isinstance(exc, PublishFailed):
                        # The broker is likely reconnecting: requeueing at once would spend every allowed
                        # delivery in a second, before the publish channel is back.
                        await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
                    await _settle(message.nack(requeue=True))
                    return
                log.error("handler failed for good", error=repr(exc))
                await self._give_up(message, (PUBLISHED.get() or {}).get(event.release_id, event), repr(exc))
                return
            await _settle(message.ack())
            self.handled += 1

    async def _give_up_unsettled(self, message: AbstractIncomingMessage, event: ReleaseEvent, attempt: int) -> None:
        # The processes that held it may have published events after it (`building` before dying in the
        # build): the failure must follow the latest, or its seq would collide with one already logged.
        try:
            logged = await latest_event(self.bus, event.release_id, since=event.occurred_at - LOG_CLOCK_SKEW)
        except Exception as exc:
            log.warning("could not read the release log; will be redelivered", error=repr(exc))
            await asyncio.sleep(GIVE_UP_BACKOFF)
            await _settle(message.nack(requeue=True))
            return
        latest = logged if logged is not None and logged.seq > event.seq else event
        await self._give_up(message, latest, f"delivered {attempt - 1} times and never settled: the service "
                            "died or lost the broker each time it held this message")

    async def _give_up(self, message: AbstractIncomingMessage, latest: ReleaseEvent, why: str) -> None:
        reason = f"{self.sub.service} gave up: {why}"
        if can_transition(latest.state, ReleaseState.FAILED):
            failed = latest.next(ReleaseState.FAILED, actor=self.sub.service,
                                error=ReleaseError(step=self.sub.service, reason=reason))
            try:
                await self.bus.publish(failed)
            except Exception as exc:
                log.warning("could not fail the release; will be redelivered", error=repr(exc))
                await asyncio.sleep(GIVE_UP_BACKOFF)
                await _settle(message.nack(requeue=True))
                return
        await self._dead_letter(message, reason)

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        log.warning("dead-lettering message", reason=reason[:300], message_id=message.message_id)
        try:
            await self.bus.dead_letter(message.body, message.routing_key or "", reason,
                                       {"x-original-queue": self.queue_name})
        except Exception:
            await _settle(message.nack(requeue=True))
            return
        await _settle(message.ack())


async def _bounded(op: Awaitable[object], seconds: float = 5.0) -> None:
    """A broker call during shutdown: on a dead connection a robust channel would wait forever."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(op, seconds)


async def _settle(op: Awaitable[None]) -> None:
    # The channel may be gone (broker restart); the broker then redelivers, so this is safe to drop.
    with contextlib.suppress(Exception):
        await op
