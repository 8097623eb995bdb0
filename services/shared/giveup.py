"""Giving up on a message for good: fail its release with the reason, then dead-letter it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from datetime import timedelta

import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState, can_transition
from services.shared.release import ReleaseError
from services.shared.releaselog import latest_event

log = structlog.get_logger(__name__)
GIVE_UP_BACKOFF = 2.0  # seconds before requeueing a give-up whose `failed` could not be published
LOG_CLOCK_SKEW = timedelta(minutes=1)  # event times are the publishers' clocks, stream times the broker's


class GiveUp:
    def __init__(self, bus: Bus, service: str, queue_name: str) -> None:
        self.bus = bus
        self.service = service
        self.queue_name = queue_name

    async def unsettled(self, message: AbstractIncomingMessage, event: ReleaseEvent, attempt: int) -> None:
        """A delivery past the limit: every earlier one ended with the process or its connection gone."""
        # The processes that held it may have published events after it (`building` before dying in the
        # build): the failure must follow the latest, or its seq would collide with one already logged.
        try:
            logged = await latest_event(self.bus, event.release_id, since=event.occurred_at - LOG_CLOCK_SKEW)
        except Exception as exc:
            log.warning("could not read the release log; will be redelivered", error=repr(exc))
            await asyncio.sleep(GIVE_UP_BACKOFF)
            await settle(message.nack(requeue=True))
            return
        latest = logged if logged is not None and logged.seq > event.seq else event
        await self.failing(message, latest, f"delivered {attempt - 1} times and never settled: the service "
                            "died or lost the broker each time it held this message")

    async def failing(self, message: AbstractIncomingMessage, latest: ReleaseEvent, why: str) -> None:
        """Fail the release from `latest` (if it still can fail) and dead-letter the message."""
        reason = f"{self.service} gave up: {why}"
        if can_transition(latest.state, ReleaseState.FAILED):
            failed = latest.next(ReleaseState.FAILED, actor=self.service,
                                error=ReleaseError(step=self.service, reason=reason))
            try:
                await self.bus.publish(failed)
            except Exception as exc:
                log.warning("could not fail the release; will be redelivered", error=repr(exc))
                await asyncio.sleep(GIVE_UP_BACKOFF)
                await settle(message.nack(requeue=True))
                return
        await self.dead_letter(message, reason)

    async def dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        log.warning("dead-lettering message", reason=reason[:300], message_id=message.message_id)
        try:
            await self.bus.dead_letter(message.body, message.routing_key or "", reason,
                                       {"x-original-queue": self.queue_name})
        except Exception:
            await settle(message.nack(requeue=True))
            return
        await settle(message.ack())


async def settle(op: Awaitable[None]) -> None:
    # The channel may be gone (broker restart); the broker then redelivers, so this is safe to drop.
    with contextlib.suppress(Exception):
        await op
