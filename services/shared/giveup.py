"""Giving up on a message for good: settle its release with the reason (`failed`, where it can), then dead-letter it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.shared.bus import Bus
from services.shared.deadline_steps import STEP_DEADLINES, STEP_STARTED_BY
from services.shared.events import CARRY, BadMessage, ReleaseEvent, parse_event
from services.shared.newest_logged import MovedOnByNewer, latest_event
from services.shared.protocol import ReleaseState, can_transition
from services.shared.release import ReleaseError
from services.shared.work_queues import BROKER_DELIVERY_MARGIN

log = structlog.get_logger(__name__)
GIVE_UP_BACKOFF = 2.0  # seconds before requeueing a give-up whose `failed` could not be published
LOG_CLOCK_SKEW = timedelta(minutes=1)  # event times are the publishers' clocks, stream times the broker's
GiveUpHook = Callable[[Bus, ReleaseEvent, ReleaseEvent | None], Awaitable[None]]
_HOOKS: dict[str, GiveUpHook] = {}


def on_give_up(service: str, hook: GiveUpHook) -> None:
    """Run `hook(bus, latest, settled)` each time `service` gives a message up (`latest`: the event its release is
    settled from; `settled`: the event that settles it, None where none can), before the release is settled and the
    message dead-lettered: for what settling cannot tell the service itself (a `failed` release has no next state,
    and the service does not bind the events that settle). It must be idempotent (a
    give-up whose publish or dead-letter fails is made again) and quick; raising requeues the message, as a failed
    publish does. Registering again replaces the hook (one per service, as every replica in a process is alike)."""
    _HOOKS[service] = hook


class GiveUp:
    def __init__(self, bus: Bus, service: str, queue_name: str) -> None:
        self.bus = bus
        self.service = service
        self.queue_name = queue_name

    async def unsettled(self, message: AbstractIncomingMessage, event: ReleaseEvent, attempt: int) -> None:
        """A delivery past the limit: every earlier one ended with the process or its connection gone."""
        await self.failing(message, event, f"delivered {attempt - 1} times and never settled: the service "
                           "died or lost the broker each time it held this message")

    async def failing(self, message: AbstractIncomingMessage, confirmed: ReleaseEvent, why: str) -> None:
        """Settle the release (see `given_up`) from the newer of `confirmed` (the newest event this process saw
        confirmed, else the message's) and the newest the log holds, and dead-letter the message."""
        # Events may be logged that this process never saw confirmed: the processes that held the message before
        # (`building`, then dying in the build), or a publish routed whose confirm came too late (PublishFailed on
        # a `live` the log holds). Failed from `confirmed`, the release got a `failed` on a seq already logged.
        try:
            logged = await latest_event(self.bus, confirmed.release_id,
                                        since=confirmed.occurred_at - LOG_CLOCK_SKEW)
        except MovedOnByNewer as exc:
            # A rolling upgrade: a `failed` from the older event read newest would take the newer event's seq, and
            # there is nothing to settle that a newer replica does not settle itself. Not dead-lettered: nothing is
            # wrong with the message, which the newer version took the release on from.
            log.warning("a message given up, of a release a newer Greenlight moved on; left to it",
                        release=confirmed.release_id, unknown=exc.why)
            await settle(message.ack())
            return
        except Exception as exc:
            # Requeued to read it again, but not past the broker's own limit, which dead-letters it with nothing
            # settled (a release in `analysing`, which no deadline ends, held its app for good): that last
            # delivery settles from what this process saw confirmed, as before the log was read here.
            count = earlier_deliveries(message)
            if count is None or count < self.bus.settings.delivery_limit + BROKER_DELIVERY_MARGIN:
                log.warning("could not read the release log; will be redelivered", error=repr(exc))
                await asyncio.sleep(GIVE_UP_BACKOFF)
                await settle(message.nack(requeue=True))
                return
            logged = None
        latest = logged if logged is not None and logged.seq > confirmed.seq else confirmed
        reason = f"{self.service} gave up: {why}"
        # Its step's outcome logged (`live` after `approved`, `awaiting_approval` after `pushed`), the step is done,
        # whatever this process heard: nothing to settle, only the message to dead-letter.
        settled = None if _past_its_step(message, latest) else given_up(latest, self.service, reason)
        try:
            # The hook first: one that fails requeues the give-up, which had then published `settled` twice.
            if (hook := _HOOKS.get(self.service)) is not None:
                await hook(self.bus, latest, settled)
            if settled is not None:
                await self.bus.publish(settled)
        except Exception as exc:
            log.warning("could not settle the release; will be redelivered", error=repr(exc))
            await asyncio.sleep(GIVE_UP_BACKOFF)
            await settle(message.nack(requeue=True))
            return
        await self.dead_letter(message, reason)

    async def dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        log.warning("dead-lettering message", reason=reason[:300], message_id=message.message_id)
        try:
            await self.bus.dead_letter(message.body, message.routing_key or "", reason,
                                       {"x-original-queue": self.queue_name})
        except Exception as exc:
            # After a pause: requeued at once, the copies spent the queue's delivery limit in milliseconds, and
            # the broker's own dead-lettering keeps no reason.
            log.warning("could not dead-letter the message; will be redelivered", error=repr(exc))
            await asyncio.sleep(GIVE_UP_BACKOFF)
            await settle(message.nack(requeue=True))
            return
        await settle(message.ack())


def given_up(latest: ReleaseEvent, service: str, reason: str) -> ReleaseEvent | None:
    """What a release goes to when its step is given up: `failed` where the table allows it. A rollback or a
    post-promotion analysis cannot fail; the release stays live, saying why, as when the switcher refuses a rollback
    or a check is inconclusive. Left in `rolling_back` or `verifying`, it would hold its app for good, with no
    live release to roll back from. Another rollback is a person's call: the switcher's rollback finds what the
    cluster shows, so one asked again after a flip that did happen only records it. Anything else (`live`, a
    scale-down timer's copy of it) has nothing to settle."""
    if can_transition(latest.state, ReleaseState.FAILED):
        return latest.next(ReleaseState.FAILED, actor=service, error=ReleaseError(step=service, reason=reason))
    if latest.state is ReleaseState.ROLLING_BACK:
        return latest.next(ReleaseState.LIVE, actor=service, details={"rollback_refused": reason})
    if latest.state is ReleaseState.VERIFYING:
        # The switch's facts (colour, warm colour), as the analysis service's own `live` passes them on.
        carry = latest.details.get(CARRY, latest.details)
        return latest.next(ReleaseState.LIVE, actor=service, details={**carry, "analysis": {
            "verdict": "inconclusive", "reason": reason, "tally": {}, "measurements": []}})
    return None


def _past_its_step(message: AbstractIncomingMessage, latest: ReleaseEvent) -> bool:
    """Whether `latest` is past the step the message started (as safepoint.already_past reads a stale input)."""
    try:
        started = parse_event(message.body)
    except BadMessage:
        return False
    step = STEP_STARTED_BY.get(started.state)
    if step is None:
        return latest.seq > started.seq
    return latest.seq > started.seq and latest.state not in STEP_DEADLINES[step][1]


def earlier_deliveries(message: AbstractIncomingMessage) -> int | None:
    """How many times the broker delivered `message` before (its `x-delivery-count`); None if a redelivery does not
    say. A quorum queue sets the header on a redelivery only, and passes a publisher's own through on the first (a
    dead letter replayed keeps the count its queue gave up at): read on a first delivery, a stale count made a give-up
    whose log read failed settle unread, from an event the log may have moved past."""
    if not message.redelivered:
        return 0
    count = (message.headers or {}).get("x-delivery-count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None


async def settle(op: Awaitable[None]) -> None:
    # The channel may be gone (broker restart); the broker then redelivers, so this is safe to drop.
    with contextlib.suppress(Exception):
        await op
