"""Retries wait on the broker, not in the notifier: one parked when the notifier stops is delivered by the
next notifier; the records endpoint shows it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from services.notifier.app import create_app
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver


async def test_a_retry_parked_before_a_restart_is_delivered_after_it(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
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
            records = await settled(second, "r4")
    assert delivered["id"] == "r4/1"
    assert [(x["status"], x["attempts"], x["last_error"]) for x in records] == [("delivered", 2, None)]


async def settled(notifier: str, release_id: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The release's records from the endpoint once none is pending: the notifier records a delivery after the
    receiver's answer, so right after the receiver accepted it the record may still say pending. Polled: the
    endpoint has no event to await."""
    async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
        while True:
            async with http.get(f"{notifier}/deliveries", params={"release": release_id}) as answer:
                records: list[dict[str, Any]] = await answer.json()
            if records and all(x["status"] != "pending" for x in records):
                return records
            await asyncio.sleep(0.05)
