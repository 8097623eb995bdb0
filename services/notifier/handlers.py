"""One release event -> one delivery per matching subscription, retried on the broker, recorded.

Idempotent: each (subscription, event) has a record; one already delivered or failed for good is not
sent again, so a redelivered event or a duplicate retry sends nothing. A receiver may still see a
delivery twice if the notifier dies between its 2xx and the record (at-least-once): the CloudEvent id
(`<release>/<seq>`) is stable, so the receiver can drop the repeat.
Ordered per release and subscription: an event waits (parked like a retry, no attempt counted) while
an earlier event of its release is still pending for that subscriber, unless that one has not been tried for
longer than its whole backoff (see `abandoned`).
A receiver's answer steers its retries: `Retry-After` on a 429 or 503 parks the retry at the first backoff step at
least that long, up to GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP (retry.py: on the broker, never slept here); a 410 Gone
disables the subscription for good (its state in the database, subscription_states.py, until enabled through the
API), and settles its other pending deliveries at once, as a removal through the API does: a retry of one comes back
to its settled record and is dropped (consumer.py), and an attempt under way meanwhile does not undo the outcome.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog
from prometheus_client import Counter

from services.notifier.delivery import Attempt
from services.notifier.payloads import cloudevent_body
from services.notifier.records import DeliveryRecords, Record, Status
from services.notifier.retry import RetryQueues
from services.notifier.retry_after import asked_in, said
from services.notifier.settings import NotifierSettings
from services.notifier.slack import slack_message
from services.shared.db.rows import utc
from services.shared.events import ReleaseEvent
from services.shared.release import utcnow
from services.shared.subscriptions import DISABLED, REMOVED, Subscription

log = structlog.get_logger(__name__)
Post = Callable[[Subscription, bytes, str], Awaitable[Attempt]]
Subscriptions = Callable[[], Awaitable[Sequence[Subscription]]]
# (subscription, reason, the event answered 410): whether it is disabled now (False: enabled since it was read)
Gone = Callable[[Subscription, str, str], Awaitable[bool]]
GONE = 410  # the receiver says the endpoint is gone for good (RFC 9110 §15.5.11): retrying cannot help


class Notifier:
    def __init__(self, settings: NotifierSettings, subscriptions: Subscriptions, records: DeliveryRecords,
                 retries: RetryQueues, post: Post, outcomes: Counter, gone: Gone) -> None:
        self.settings = settings
        self.subscriptions = subscriptions
        self.records = records
        self.retries = retries
        self.post = post
        self.outcomes = outcomes
        self.gone = gone  # disables the subscription for good (app.py)

    async def handle(self, event: ReleaseEvent, only: str | None) -> None:
        """Deliver `event` to every matching subscription, or to `only` (a retry for that one)."""
        subscriptions = await self.subscriptions()
        if only is not None and (ended := _ended(only, subscriptions, event)) is not None:
            # Removed, disabled or narrowed while this waited: left pending, its record held the release's later
            # events (for one re-created under the same id too), as a retry still to come, and showed pending for good.
            if await self.records.orphaned(only, event, ended):
                log.info("a retry that can no longer be delivered; its pending delivery recorded failed", why=ended,
                         subscription=only, release=event.release_id)
            return
        for subscription in subscriptions:
            if (only is not None and subscription.id != only) or not subscription.matches(event):
                continue  # a Slack one only for the states it has a message for
            if subscription.disabled_at is not None:
                # Its 410 may have come for this very event, the record not written (a crash, the database away):
                # failed now, not left pending. Nothing to write otherwise.
                await self.records.orphaned(subscription.id, event, DISABLED)
                continue
            await self._deliver(subscription, event)

    async def finished(self, event: ReleaseEvent, only: str) -> bool:
        """Whether a retry for `only` has nothing left to do: its delivery settled (its subscription removed or
        disabled: shared/subscriptions.py's `settle_pending`), or settled now as its subscription is gone, disabled or
        narrowed (removed by an API replica older than that, or from the environment by a restart)."""
        if await self.records.settled(only, event):
            return True
        if (ended := _ended(only, await self.subscriptions(), event)) is None:
            return False
        await self.records.orphaned(only, event, ended)
        return True

    async def _deliver(self, subscription: Subscription, event: ReleaseEvent) -> None:
        record = await self.records.open(subscription.id, event)
        if record.status != Status.PENDING:
            return
        blocker = await self.records.earlier_pending(subscription.id, event.release_id, event.seq)
        if blocker is not None and not self.abandoned(blocker):
            # Wait about as long as the event ahead of it will: it is parked at its own backoff step, or for what
            # is left of its receiver's Retry-After (not back every second of an hour's wait).
            level = self.retries.level_for(max(blocker.attempts - 1, 0), self._asked_left(blocker) or None)
            await self.retries.park(event, subscription.id, level=level)
            # Its age is what the events after it judge it by: first seen an hour ago behind a long Retry-After, it
            # looked abandoned to the next event once the earlier one was delivered, and was overtaken.
            await self.records.waiting(record)
            return
        if blocker is not None:
            log.warning("an earlier event of the release is still pending past its whole backoff; not waiting for "
                        "it", subscription=subscription.id, earlier=blocker.event_id, since=blocker.updated_at)
        body, content_type = self._body(subscription, event)
        attempt = await self.post(subscription, body, content_type)
        await self._settle(subscription, event, record, attempt)

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
        """Whether `blocker`'s retry can no longer be coming: untried for longer than every backoff step and its
        own step together (a database outage parks a retry at each step in turn before it is dead-lettered,
        and a dead-lettered retry leaves its record pending). Waiting on, a later event was parked for good:
        that subscriber heard nothing more of the release. Not waiting costs the order only: should the earlier
        retry come back after all, it is still delivered."""
        step = self.retries.delays[min(max(blocker.attempts - 1, 0), self.retries.levels - 1)]
        # A receiver's Retry-After parks it for as long as asked (up to the cap), however many steps that takes.
        patience = sum(self.retries.delays) + max(step, min(asked_in(blocker.last_error), self.retries.wait_cap))
        return utcnow() - utc(blocker.updated_at) > timedelta(seconds=patience)

    def _asked_left(self, blocker: Record) -> float:
        """Seconds left of the Retry-After `blocker`'s receiver asked for (0: none, or over)."""
        asked = min(asked_in(blocker.last_error), self.retries.wait_cap)
        return max(asked - (utcnow() - utc(blocker.updated_at)).total_seconds(), 0.0)

    def _body(self, subscription: Subscription, event: ReleaseEvent) -> tuple[bytes, str]:
        if subscription.format == "slack":
            api_url = str(self.settings.api_url) if self.settings.api_url else None
            return json.dumps(slack_message(event, api_url)).encode(), "application/json"
        return cloudevent_body(event, self.settings.source)


def _ended(subscription_id: str, subscriptions: Sequence[Subscription], event: ReleaseEvent) -> str | None:
    """Why a retry of `event` for `subscription_id` can no longer be delivered, as its record says; or None."""
    found = next((s for s in subscriptions if s.id == subscription_id), None)
    if found is None:
        return REMOVED
    if found.disabled_at is not None:
        return DISABLED
    # Its filters narrowed meanwhile (deleted and added again under its id, or a restart with other settings).
    return None if found.matches(event) else "skipped: no longer wanted by the subscription's filters"
