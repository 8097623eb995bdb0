"""A client that sends a request's headers and then trickles its JSON body (a byte now and then, so no single read
waits long) no longer keeps its connection, a handler task and its buffer for as long as it goes on: the whole body
must arrive within GREENLIGHT_API_BODY_READ_SECONDS, else the answer is 408 naming the setting and the connection is
closed at once (not drained for aiohttp's 10 s). Before, the sender below was never answered. A body that arrives
slowly but whole within the deadline is read as any other."""

from __future__ import annotations

import asyncio
import json

from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.conftest import REPO, REQUESTER, api_client
from tests.approval.trickled_bodies import DEADLINE, cut_at_the_deadline, trickled, trickling

RELEASE = json.dumps({"app": "demo", "repository": REPO, "commit": "main"}).encode()
JSON = {**REQUESTER, "Content-Type": "application/json"}


async def test_a_trickled_release_request_is_answered_408_and_closed(bus_settings: BusSettings) -> None:
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, body_read_seconds=DEADLINE)
    async with api_client(settings) as api, trickled(api, "/releases", JSON, 60_000) as slow, trickling(slow):
        error = await cut_at_the_deadline(api, slow)
    assert error == {"error": "The request body was not sent within GREENLIGHT_API_BODY_READ_SECONDS (2 s)."}


async def test_a_slow_body_that_arrives_whole_within_the_deadline_is_read(bus_settings: BusSettings,
                                                                          any_database: str) -> None:
    """The release is recorded: on SQLite and on PostgreSQL."""
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, body_read_seconds=30)
    async with api_client(settings) as api, trickled(api, "/releases", JSON, len(RELEASE)) as slow:
        await slow.send(RELEASE, 0.01)  # paused between bytes, as a slow link does
        async with asyncio.timeout(30):
            status, _, answer = await slow.answer()
    assert status == 202, answer
    assert answer["app"] == "demo"
