"""One release event -> one delivery per matching subscription, retried on the broker, recorded.

Idempotent: each (subscription, event) has a record; one already delivered or failed for good is not
sent again, so a redelivered event or a duplicate retry sends nothing. A receiver may still see a
delivery twice if the notifier dies between its 2xx and the record (at-least-once): the CloudEvent id
(`<release>/<seq>`) is stable, so the receiver can drop the repeat.
Ordered per release and subscription: an event waits (parked like a retry, no attempt counted) while
an earlier event of its release is still pending for that subscriber, unless that one has not been tried for
longer than its whole backoff (see `abandoned`).
What a receiver's answer does to the delivery (delivered, retried, failed, its subscription disabled) is
delivery_outcomes.py's.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence

import structlog
from prometheus_client import Counter

from services.notifier.delivery import Attempt
from services.notifier.delivery_outcomes import GONE, DeliveryOutcomes, Gone
from services.notifier.payloads import cloudevent_body
from services.notifier.records import DeliveryRecords, Status
from services.notifier.retry import RetryQueues
from services.notifier.settings import NotifierSettings
from services.notifier.slack import slack_message
from services.shared.events import ReleaseEvent
from services.shared.subscriptions import DISABLED, REMOVED, Subscription

log = structlog.get_logger(__name__)
Post = Callable[[Subscription, bytes, str], Awaitable[Attempt]]
Subscriptions = Callable[[], Awaitable[Sequence[Subscription]]]
__all__ = ["GONE", "Gone", "Notifier", "Post", "Subscriptions"]  # GONE and Gone re-exported


class Notifier(DeliveryOutcomes):
    def __init__(self, settings: NotifierSettings, subscriptions: Subscriptions, records: DeliveryRecords,
                 retries: RetryQueues, post: Post, outcomes: Counter, gone: Gone) -> None:
        super().__init__(records, retries, outcomes, gone)
        self.settings = settings
        self.subscriptions = subscriptions
        self.post = post

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
        earlier = await self.records.earlier_pending(subscription.id, event.release_id, event.seq)
        blocker = next((record for record in earlier if not self.abandoned(record)), None)
        if blocker is not None:
            # Wait about as long as the event ahead of it will: it is parked at its own backoff step, or for what
            # is left of its receiver's Retry-After (not back every second of an hour's wait).
            level = self.retries.level_for(max(blocker.attempts - 1, 0), self._asked_left(blocker) or None)
            await self.retries.park(event, subscription.id, level=level)
            # Its age is what the events after it judge it by: first seen an hour ago behind a long Retry-After, it
            # looked abandoned to the next event once the earlier one was delivered, and was overtaken.
            await self.records.waiting(record)
            return
        if earlier:
            log.warning("an earlier event of the release is still pending past its whole backoff; not waiting for "
                        "it", subscription=subscription.id, earlier=earlier[0].event_id, since=earlier[0].updated_at)
        body, content_type = self._body(subscription, event)
        attempt = await self.post(subscription, body, content_type)
        await self._settle(subscription, event, record, attempt)

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
