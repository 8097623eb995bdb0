"""The one reader that feeds every event stream backs off through a database outage, and starts over once it ran
healthy: it kept the pause it had reached for the life of the process, so after one long outage every later blip
held every stream's events back by the longest pause (5 s; 30 s for an unexpected error) instead of the first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from services.approval import fanout
from services.approval.fanout import Fanout
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import request_release

Client = TestClient[web.Request, web.Application]
FIRST = 0.001  # the first pause, small so that the test does not wait out a real backoff


@pytest.mark.parametrize(("error", "first", "said"), [
    (OSError("database away"), "RETRY_FIRST", "event stream reader: database unavailable; retrying"),
    (RuntimeError("a bug in the feed"), "BUG_RETRY_FIRST",
     "event stream reader failed on an unexpected error; retrying"),
])
async def test_a_blip_after_a_healthy_spell_is_retried_after_the_first_pause(
        client: Client, monkeypatch: pytest.MonkeyPatch, error: Exception, first: str, said: str) -> None:
    monkeypatch.setattr(fanout, first, FIRST)
    now = [0.0]
    monkeypatch.setattr(fanout, "monotonic", lambda: now[0])
    real = Fanout._follow
    plan = ["outage"] * 5 + ["healthy an hour, then a blip"]

    async def scripted(self: Fanout, after: int) -> Any:
        step = plan.pop(0) if plan else "real"
        if step == "healthy an hour, then a blip":
            now[0] += 3600
        if step != "real":
            raise error
        return await real(self, after)

    monkeypatch.setattr(Fanout, "_follow", scripted)
    feed = Fanout(client.app[DATABASE])
    with capture_logs() as logs:
        events = feed.events(await feed.now(), lambda _: True)  # the reader starts: what it hands on comes after
        try:
            await request_release(client)
            assert (await asyncio.wait_for(anext(events), 10)).event.state == S.REQUESTED
        finally:
            await events.aclose()
            await feed.close()
    pauses = [e["retry_in"] for e in logs if e["event"] == said]
    assert pauses == [FIRST, 2 * FIRST, 4 * FIRST, 8 * FIRST, 16 * FIRST, FIRST]
