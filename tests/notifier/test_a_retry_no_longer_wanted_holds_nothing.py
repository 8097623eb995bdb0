"""A subscription's filters narrowed while one of its deliveries waits for a retry (its stored spec rewritten with fewer
states, as a restart with other GREENLIGHT_NOTIFIER_SUBSCRIPTIONS narrows one; deleted through the API instead, the
removal settles the delivery itself: test_a_removal_settles_a_delivery_waiting_out_a_long_retry_after.py): the
retry, finding the event no longer wanted, settles its record at once. Left pending, it held the release's later
events, wanted still, as an earlier event whose retry may come, for the whole backoff (about 13 minutes with the
default delays)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import update

from services.notifier.records import Status
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from services.shared.subscriptions import subscriptions
from tests.notifier.conftest import SECRET, records_of, rig, subscribe, walk
from tests.notifier.receiver import Receiver

# The first retry comes back at once; the last step is what a pending record would hold later events for.
RETRY_DELAYS = [0.05, 0.1, 30.0]


@dataclass
class NarrowedOnFirstAttempt(Receiver):
    """Narrows the subscription while its first attempt is under way, before its answer: its retry comes back to
    the narrowed filters, whatever the timing."""

    narrow: Callable[[], Awaitable[None]] | None = None

    async def _receive(self, request: web.Request) -> web.Response:
        if self.narrow is not None:
            narrow, self.narrow = self.narrow, None
            await narrow()
        return await super()._receive(request)


async def test_a_retry_no_longer_wanted_is_settled_and_holds_nothing(
        bus_settings: BusSettings, any_database: str) -> None:
    requested, awaiting = walk("narrowed1", "demo", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING,
                               S.AWAITING_APPROVAL)[::6]
    receiver = NarrowedOnFirstAttempt(SECRET, scripted={requested.message_id: [(500, {})]})
    async with rig(bus_settings, any_database, receiver, subscriptions=[], retry_delays=RETRY_DELAYS) as r:
        await subscribe(r, id="ops", url=r.receiver_url)  # every state

        async def narrow() -> None:  # its spec rewritten in place, fewer states
            engine = await open_migrated(DatabaseSettings())
            narrowed = {"id": "ops", "url": r.receiver_url, "secret": SECRET, "states": ["awaiting_approval"]}
            try:
                async with engine.begin() as connection:
                    await connection.execute(update(subscriptions).where(subscriptions.c.id == "ops").values(
                        spec=json.dumps(narrowed)))
            finally:
                await engine.dispose()

        receiver.narrow = narrow
        await r.publish(requested, awaiting)
        # Held behind the pending `requested`, it came only once that looked abandoned: 30 s here.
        assert [d["id"] for d in await receiver.wait_for(1, timeout=10)] == [awaiting.message_id]
    records = {rec.event_id: (rec.status, rec.attempts, rec.last_error)
               for rec in await records_of(any_database, "narrowed1")}
    assert records == {
        requested.message_id: (Status.FAILED, 1, "skipped: no longer wanted by the subscription's filters"),
        awaiting.message_id: (Status.DELIVERED, 1, None)}
