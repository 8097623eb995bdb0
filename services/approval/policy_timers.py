"""The approval policy's timers (expiry, auto-promotion) parked on the broker, so a restart loses none.

A timer is the release's `awaiting_approval` event, marked with its kind and due time, parked in a delay queue
that nobody consumes; the queue's TTL runs out and it is dead-lettered to TIMER_KEY on the events exchange,
which the approval service's work queue binds. One delay queue per whole number of seconds (a queue expires
messages only at its head, so one queue for all delays would hold a short timer behind a long one); each
queue deletes itself (`x-expires`) once unused for longer than its TTL, so the odd delays leave nothing behind.

Each timer parked is also claimed in the hook claims table (hook_claims.py: a key, first insert wins, pruned
GREENLIGHT_HOOKS_CLAIM_RETENTION after the timer is due, not after it was parked: an expiry may be years ahead) as
(event, kind, due): the start-up step (policy_rearm.py) parks a timer only when nobody claimed it, so N replicas
starting together, or a restart with unchanged bounds, park no copy.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime

import aio_pika
import structlog

from services.approval.hook_claims import Claims
from services.shared.bus import Bus, PublishFailed
from services.shared.db.outage import is_outage
from services.shared.events import ReleaseEvent
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

TIMER_KEY = "timer.approval.policy"
TIMER = "policy_timer"  # details key: which timer ("expire" or "promote")
DUE = "policy_due"  # details key: when it is due (RFC 3339), by the injected clock
EXPIRE, PROMOTE = "expire", "promote"
UNUSED_QUEUE_GRACE_MS = 10 * 60 * 1000
# The longest a timer is parked at once; one due later comes back early and is parked again for the rest (the
# watch does so for any early timer). RabbitMQ refuses an `x-expires` past 10 years (`value_too_large`), and the
# operator's expiry and soak bounds have no maximum: a "10 years" default made every timer's publish fail.
MAX_DELAY_SECONDS = 30 * 24 * 3600
log = structlog.get_logger(__name__)


def delay_queue_name(bus: Bus, seconds: int) -> str:
    return f"{bus.settings.queue_prefix}policy-timer.{seconds}s"


class PolicyTimers:
    def __init__(self, bus: Bus, claims: Claims) -> None:
        self.bus = bus
        self.claims = claims

    async def park(self, waiting: ReleaseEvent, kind: str, due: datetime, now: datetime) -> None:
        """`schedule`, then claim the timer so that no start-up step parks it again. Claimed after: a crash in
        between costs a copy at the next start, whereas claimed before, it could cost the timer."""
        await self.schedule(waiting, kind, due, now)
        try:
            await self.claims.claim(_key(waiting, kind, due), due)
        except Exception as exc:
            if not is_outage(exc):
                raise
            # Only a copy at the next start is at stake, not this timer: not worth a redelivery that parks it twice.
            log.warning("policy timer parked but not claimed", release=waiting.release_id, timer=kind)

    async def park_once(self, waiting: ReleaseEvent, kind: str, due: datetime, now: datetime) -> bool:
        """`schedule` unless this timer was claimed (parked) before, by any replica; whether this call parked it."""
        key = _key(waiting, kind, due)
        if not await self.claims.claim(key, due):
            return False
        try:
            await self.schedule(waiting, kind, due, now)
        except BaseException:
            with contextlib.suppress(Exception):  # the error that matters is the one raised
                await self.claims.release(key)  # not parked: the next start may try again
            raise
        return True

    async def schedule(self, waiting: ReleaseEvent, kind: str, due: datetime, now: datetime) -> None:
        """Deliver `waiting` back, marked as the `kind` timer due at `due`, once `due - now` has passed
        (rounded up to whole seconds, at least one), or MAX_DELAY_SECONDS if that is sooner."""
        seconds = min(max(1, math.ceil((due - now).total_seconds())), MAX_DELAY_SECONDS)
        name = delay_queue_name(self.bus, seconds)
        timer = waiting.model_copy(update={"details": {**waiting.details, TIMER: kind, DUE: due.isoformat()}})
        message = aio_pika.Message(
            timer.dumps(), content_type="application/json", message_id=f"{waiting.message_id}/{kind}",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        try:
            channel = await self.bus.connection.channel(publisher_confirms=True, on_return_raises=True)
            try:
                await channel.declare_queue(name, durable=True, arguments={
                    "x-queue-type": "quorum",
                    "x-message-ttl": seconds * 1000,
                    "x-expires": seconds * 1000 + UNUSED_QUEUE_GRACE_MS,
                    "x-dead-letter-exchange": self.bus.settings.exchange,
                    "x-dead-letter-routing-key": TIMER_KEY,
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                })
                await bounded(on_the_broker(channel.default_exchange.publish(message, name, mandatory=True)),
                              self.bus.settings.publish_timeout)
            finally:
                await channel.close()
        except (TimeoutError, aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishFailed(f"{kind} timer of {waiting.message_id} not confirmed: {exc!r}") from exc


def _key(waiting: ReleaseEvent, kind: str, due: datetime) -> str:
    # The due time is part of the key: bounds changed since make another timer, which is parked once too.
    return f"policy-timer:{waiting.message_id}/{kind}@{due.isoformat()}"
