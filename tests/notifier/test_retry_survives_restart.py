"""Retries wait on the broker, not in the notifier: one parked when the notifier stops is delivered by the
next notifier; the records endpoint shows it."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from services.notifier.app import create_app
from services.notifier.records import DeliveryRecords, Record, Status
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver


async def test_a_retry_parked_before_a_restart_is_delivered_after_it(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    settled = settling(monkeypatch)
    [requested] = walk("r4", "demo")
    receiver.failures[requested.message_id] = 1
    # A delay long enough that the first notifier is gone before the retry comes back.
    async with rig(bus_settings, postgres_url, receiver, retry_delays=[3.0, 3.0], notifier=False) as r:
        async with serving(create_app(r.settings), port=0):
            await r.publish(requested)
            await receiver.wait_attempts(requested.message_id, 1)
        assert receiver.accepted == []  # stopped with the retry parked on the broker
        async with serving(create_app(r.settings), port=0) as second:
            [delivered] = await receiver.wait_for(1)
            # The notifier records the delivery after the receiver's answer: right after the receiver accepted,
            # the record may still say pending.
            await asyncio.wait_for(settled.wait(), 10)
            async with aiohttp.ClientSession() as http, http.get(f"{second}/deliveries",
                                                                 params={"release": "r4"}) as answer:
                records = await answer.json()
    assert delivered["id"] == "r4/1"
    assert [(x["status"], x["attempts"], x["last_error"]) for x in records] == [("delivered", 2, None)]


def settling(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once a notifier has recorded a delivery as settled (delivered, or failed for good)."""
    settled = asyncio.Event()
    attempted = DeliveryRecords.attempted

    async def spy(self: DeliveryRecords, record: Record, status: Status, error: str | None = None) -> None:
        await attempted(self, record, status, error)
        if status is not Status.PENDING:
            settled.set()

    monkeypatch.setattr(DeliveryRecords, "attempted", spy)
    return settled
