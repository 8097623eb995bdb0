"""A receiver answering 410 Gone disables its subscription, and that settles the subscription's other deliveries still
pending at once (`failed`, `subscription disabled`), such as one of another release waiting out `Retry-After: 3600`:
before, that one said pending for up to the hour, until its retry came back to the disabled subscription. Its retry,
back from its step, finds it settled and is dropped; the 410's own record says what the receiver answered."""

from __future__ import annotations

import pytest

from services.notifier.records import Status
from services.shared.settings import BusSettings
from services.shared.timeouts import bounded
from tests.notifier.conftest import records_of, rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten
from tests.notifier.retries_dropped import dropped_retries

DELAYS = [0.05, 0.2]


async def test_a_410_settles_a_delivery_of_the_subscription_waiting_out_an_hour(
        bus_settings: BusSettings, any_database: str, receiver: Receiver, records_written: RecordsWritten,
        monkeypatch: pytest.MonkeyPatch) -> None:
    dropped = dropped_retries(monkeypatch)
    [slow], [gone] = walk("slow1", "demo"), walk("gone1", "demo")
    receiver.scripted = {slow.message_id: [(429, {"Retry-After": "3600"})] * 5, gone.message_id: [(410, {})]}
    async with rig(bus_settings, any_database, receiver, retry_delays=DELAYS) as r:  # sub-0, of the environment
        assert r.records is not None
        records = r.records

        async def statuses() -> dict[str, tuple[Status, int, str | None]]:
            found = [*await records.of_release("slow1"), *await records.of_release("gone1")]
            return {x.event_id: (x.status, x.attempts, x.last_error) for x in found}

        async def waiting() -> bool:  # its 429 recorded: pending from its first write, before it was attempted
            return (await statuses()).get(slow.message_id, (None, 0))[:2] == (Status.PENDING, 1)

        async def gone_recorded() -> bool:
            return (await statuses()).get(gone.message_id, (None,))[0] is Status.FAILED

        await r.publish(slow)
        await records_written.until(waiting, 20)
        await r.publish(gone)
        await records_written.until(gone_recorded, 20)
        at_once = await statuses()  # the slow one's retry has not been back to it: settled by the disabling
        assert at_once == {slow.message_id: (Status.FAILED, 1, "subscription disabled"),
                           gone.message_id: (Status.FAILED, 1, "HTTP 410: subscription disabled")}, at_once
        assert await bounded(dropped.get(), 10) == slow.message_id
    assert {x.event_id: x.last_error for x in await records_of(any_database, "slow1")} == {
        slow.message_id: "subscription disabled"}
    assert receiver.attempts == {slow.message_id: 1, gone.message_id: 1}
