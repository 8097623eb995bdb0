"""The one reader that feeds every event stream outlives an unexpected error (a bug, not the database): logged
with its traceback, retried, and the streams go on from where it was, none of them left idling on pings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from services.approval.fanout import Fanout
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import advance, request_release

Client = TestClient[web.Request, web.Application]


async def test_the_feed_goes_on_after_an_unexpected_error(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Fanout._follow
    failed: list[int] = []

    async def fails_once(self: Fanout, after: int) -> Any:
        if not failed:
            failed.append(after)
            raise RuntimeError("a bug in the feed")
        return await real(self, after)

    monkeypatch.setattr(Fanout, "_follow", fails_once)
    feed = Fanout(client.app[DATABASE])
    start = await client.app[DATABASE].last_offset()
    events = feed.events(start, lambda _: True)
    try:
        with capture_logs() as logs:
            release_id = (await request_release(client))["id"]
            assert (await asyncio.wait_for(anext(events), 10)).event.state == S.REQUESTED
            await advance(client, release_id, S.BUILDING)
            assert (await asyncio.wait_for(anext(events), 10)).event.state == S.BUILDING
        errors = [e for e in logs if e["log_level"] == "error"]
        assert [e["event"] for e in errors] == ["event stream reader failed on an unexpected error; retrying"]
        assert failed
    finally:
        await events.aclose()
        await feed.close()
