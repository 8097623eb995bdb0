"""Transient failures come back later by way of a delay queue on the broker, never a sleep in a handler.

A handler raises `Retry` (or an adapter's subclass of it) when a dependency is unavailable. The consumer
then parks a copy of the message in the work queue's retry queue for the next tier's delay (exponential,
capped, minus some jitter), acks the original, and announces the retry as a progress message
(`progress.<app>.<step>`: "engine unavailable, retry 3 in 4 s").
The broker dead-letters the copy back to the work queue when its TTL runs out, so a retry survives a
restart of the service and of the broker. The count and the time of the first failure travel in the
message's headers; once the next wait would end past `GREENLIGHT_RETRY_BUDGET` the release fails with the
dependency, how long it was down and its last error. A handler whose giving up would leave worse than a failed
release names a budget of its own for the messages it says (`Budget`, `Subscription.retry_budget`): the switcher's
put-back of a release that failed while it may serve live traffic. Its retries go on at the longest tier, each one
past the general budget logged as an error, and its end is logged as one too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.giveup import GIVE_UP_BACKOFF, GiveUp, settle
from services.shared.progress import Progress, Step
from services.shared.retry_state import (
    LAST_ERROR_HEADER,
    RETRIES_HEADER,
    SINCE_HEADER,
    Budget,
    RetryState,
    header_count,
)
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded
from services.shared.transient import Retry
from services.shared.work_queues import declare_retry_queue, next_wait, retry_delays, retry_queue_name

__all__ = [  # the retries' headers and budgets, and Retry, are imported from here too
    "LAST_ERROR_HEADER", "RETRIES_HEADER", "SINCE_HEADER", "STEP_OF_SERVICE", "Budget", "Retrier", "Retry",
    "RetryState", "header_count",
]

log = structlog.get_logger(__name__)
# The step a retry is announced under, by the service that retries (Progress.step).
STEP_OF_SERVICE: dict[str, Step] = {"builder": "build", "pusher": "push", "deployer": "deploy", "switcher": "switch"}


class Retrier:
    def __init__(self, bus: Bus, service: str, work_queue: str, give_up: GiveUp) -> None:
        self.bus = bus
        self.service = service
        self.work_queue = work_queue
        self.give_up = give_up
        self._channel: AbstractChannel | None = None
        self._declared_tiers: set[float] = set()  # the delays whose retry queue is known to exist
        self._lock = asyncio.Lock()

    async def later(self, message: AbstractIncomingMessage, latest: ReleaseEvent, exc: Retry,
                    own: Budget | None = None) -> None:
        """Park `message` for its next retry, or give it up once the next wait would end past the budget:
        `own` if the handler named one for it, else GREENLIGHT_RETRY_BUDGET."""
        settings = self.bus.settings
        state = RetryState.of(message)
        now = time.time()
        since = state.since if state.since is not None else now
        attempt = state.count + 1
        delay, wait = next_wait(retry_delays(settings), attempt, settings.retry_jitter, exc.not_before)
        general = settings.retry_budget.total_seconds()
        budget, setting = (own.limit.total_seconds(), own.setting) if own else (general, "GREENLIGHT_RETRY_BUDGET")
        down = now - since
        said = str(exc).encode(errors="replace").decode()  # a lone surrogate: neither AMQP nor JSON can write it
        # An ask past the longest tier that outlasts the budget fails now, not after the budget's refusals at that tier.
        asked = exc.not_before if exc.not_before is not None and exc.not_before > wait else None
        if down + (asked or wait) > budget:
            if own is not None:
                log.error(own.spent, **own.about, dependency=exc.dependency, down_for=round(down),
                          retries=state.count, budget=f"{setting}={budget:g}s", error=str(exc))
            ask = "" if asked is None else f", and it asked to be left alone {asked:.0f} s more (Retry-After)"
            await self.give_up.failing(message, latest, (
                f"{exc.dependency} unavailable for {down:.0f} s ({state.count} retries){ask}; another retry "
                f"would outlast the retry budget {setting}={budget:g}s; last error: {said}"))
            return
        headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
        headers.update({RETRIES_HEADER: attempt, SINCE_HEADER: round(since * 1000), LAST_ERROR_HEADER: said[:500]})
        try:
            await self._park(message, headers, delay, wait)
        except Exception as park_error:
            # The broker itself is in trouble: requeue after a pause rather than spin on it.
            log.warning("could not park the message for a retry; will be redelivered", error=repr(park_error))
            await asyncio.sleep(GIVE_UP_BACKOFF)
            await settle(message.nack(requeue=True))
            return
        text = f"{exc.dependency} unavailable, retry {attempt} in {wait:.0f} s"
        if exc.not_before is not None:
            text += f" (it asked for {exc.not_before:.0f} s)"
        if own is not None and down + wait > general:  # a retry the general budget would not have made
            log.error(own.overdue, **own.about, dependency=exc.dependency, down_for=round(down), retry=attempt,
                      wait=round(wait, 2), budget=f"{setting}={budget:g}s", error=str(exc))
        else:
            log.warning("dependency unavailable; retrying later", retry=attempt, wait=round(wait, 2), error=str(exc))
        if (step := STEP_OF_SERVICE.get(self.service)) is not None:
            # A progress message (services/shared/progress.py): what `greenlight watch` and the dashboard show.
            await self.bus.progress(Progress(release_id=latest.release_id, app=latest.app, step=step,
                                             message=text, current=attempt))
        await settle(message.ack())

    async def _park(self, message: AbstractIncomingMessage, headers: dict[str, Any], delay: float,
                    wait: float) -> None:
        queue = retry_queue_name(self.work_queue, delay)
        parked = aio_pika.Message(
            message.body, content_type=message.content_type, message_id=message.message_id, headers=headers,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, expiration=max(wait, 0.001),
        )
        for last in (False, True):
            channel = await self._declared(delay)
            try:
                await bounded(on_the_broker(channel.default_exchange.publish(parked, queue, mandatory=True)),
                              self.bus.settings.publish_timeout)
                return
            except aio_pika.exceptions.PublishError:  # returned: the queue was deleted since it was declared
                if last:
                    raise
                self._declared_tiers.discard(delay)

    async def _declared(self, delay: float) -> AbstractChannel:
        """The channel to park on, `delay`'s queue declared. One declared earlier with other arguments (another
        GREENLIGHT_QUEUE_REPLICAS) is kept as it is, as a work queue is: refused, no retry was ever parked."""
        async with self._lock:
            if self._channel is None or self._channel.is_closed:
                self._channel, self._declared_tiers = await self._new_channel(), set()
            if delay not in self._declared_tiers:
                try:
                    await declare_retry_queue(self._channel, self.bus.settings, self.work_queue, delay)
                except aio_pika.exceptions.ChannelPreconditionFailed as exc:
                    log.info("retry queue exists with other arguments; keeping it", delay=delay, detail=str(exc)[:200])
                    self._channel = await self._new_channel()  # the refused declare closed the last one
                self._declared_tiers.add(delay)
            return self._channel

    async def _new_channel(self) -> AbstractChannel:
        return await self.bus.connection.channel(publisher_confirms=True, on_return_raises=True)

    async def close(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):
                await bounded(self._channel.close(), 5)
