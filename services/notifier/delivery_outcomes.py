"""What a receiver's answer does to a delivery: delivered, parked for a retry, failed for good, or its subscription
disabled; and how long an earlier pending delivery is waited for.

A receiver's answer steers its retries: `Retry-After` on a 429 or 503 parks the retry at the first backoff step at
least that long, up to GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP (retry.py: on the broker, never slept here); a 410 Gone
disables the subscription for good (its state in the database, subscription_states.py, until enabled through the
API), and settles its other pending deliveries at once, as a removal through the API does: a retry of one comes back
to its settled record and is dropped (consumer.py), and an attempt under way meanwhile does not undo the outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog
from prometheus_client import Counter

from services.notifier.delivery import Attempt
from services.notifier.records import DeliveryRecords, Record, Status
from services.notifier.retry import RetryQueues
from services.notifier.retry_after import asked_in, said
from services.shared.db.rows import utc
from services.shared.events import ReleaseEvent
from services.shared.release import utcnow
from services.shared.subscriptions import Subscription

log = structlog.get_logger(__name__)
# (subscription, reason, the event answered 410): whether it is disabled now (False: enabled since it was read)
Gone = Callable[[Subscription, str, str], Awaitable[bool]]
GONE = 410  # the receiver says the endpoint is gone for good (RFC 9110 §15.5.11): retrying cannot help
# How late a retry may come back beyond its delay and still be waited for: the broker dead-letters it out of its
# delay queue and delivers it again, and the notifier's loop takes it, each a little late on a busy machine (a
# clean-clone run saw one come 0.58 s after its 0.1 s step, and the next event overtook it).
RETURN_SLACK = 3.0


class DeliveryOutcomes:
    def __init__(self, records: DeliveryRecords, retries: RetryQueues, outcomes: Counter, gone: Gone) -> None:
        self.records = records
        self.retries = retries
        self.outcomes = outcomes
        self.gone = gone  # disables the subscription for good (app.py)

    async def _settle(self, subscription: Subscription, event: ReleaseEvent, record: Record,
                      attempt: Attempt) -> None:
        bound = dict(subscription=subscription.id, attempt=record.attempts + 1)
        if attempt.ok:
            await self.records.attempted(record, Status.DELIVERED)
            self.outcomes.labels("delivered").inc()
            log.info("delivered", **bound)
        elif attempt.status == GONE:
            # Disabled before it is recorded: recorded first, the database away in between lost the disabling (the
            # event came back to a failed record) and the next event went to the gone receiver. This way round it
            # comes back to a disabled subscription, which records it failed (`handle`).
            disabled = await self.gone(subscription, f"{attempt.error} Gone", record.event_id)
            outcome = "subscription disabled" if disabled else "subscription enabled again since it was sent"
            await self.records.attempted(record, Status.FAILED, f"{attempt.error}: {outcome}")
            self.outcomes.labels("failed").inc()
        elif attempt.final or record.attempts >= self.retries.levels:
            # `final`: a refused address (guard.py) stays refused; retries would only repeat the refusal.
            await self.records.attempted(record, Status.FAILED, attempt.error)
            self.outcomes.labels("failed").inc()
            log.warning("delivery failed for good", error=attempt.error, **bound)
        else:
            # Parked before it is recorded: a crash in between sends the retry and the redelivery both,
            # and whichever comes second finds the record delivered.
            # At the receiver's Retry-After if it gave one (429, 503): the step that waits at least that long.
            level = await self.retries.park_for(event, subscription.id, record.attempts, attempt.retry_after)
            error = attempt.error if attempt.retry_after is None else said(attempt.error, attempt.retry_after)
            if not await self.records.attempted(record, Status.PENDING, error):
                # Settled while it was out (its subscription removed or disabled): that outcome stands, and the retry
                # just parked is dropped when it comes back (consumer.py).
                log.info("delivery settled while it was attempted; its outcome stands", error=error, **bound)
                return
            self.outcomes.labels("retried").inc()
            log.info("delivery will be retried", error=error, after=self.retries.delays[level], **bound)

    def abandoned(self, blocker: Record) -> bool:
        """Whether `blocker`'s retry can no longer be coming: untried for longer than every backoff step, its
        own step and the slack of its trip back together (a database outage parks a retry at each step in turn
        before it is dead-lettered, and a dead-lettered retry leaves its record pending). Waiting on, a later event
        was parked for good: that subscriber heard nothing more of the release. Not waiting costs the order only:
        should the earlier retry come back after all, it is still delivered."""
        step = self.retries.delays[min(max(blocker.attempts - 1, 0), self.retries.levels - 1)]
        # A receiver's Retry-After parks it for as long as asked (up to the cap), however many steps that takes.
        asked = min(asked_in(blocker.last_error), self.retries.wait_cap)
        patience = sum(self.retries.delays) + max(step, asked) + RETURN_SLACK
        return utcnow() - utc(blocker.updated_at) > timedelta(seconds=patience)

    def _asked_left(self, blocker: Record) -> float:
        """Seconds left of the Retry-After `blocker`'s receiver asked for (0: none, or over)."""
        asked = min(asked_in(blocker.last_error), self.retries.wait_cap)
        return max(asked - (utcnow() - utc(blocker.updated_at)).total_seconds(), 0.0)
