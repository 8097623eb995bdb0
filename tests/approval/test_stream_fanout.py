"""One shared reader feeds every stream; a subscriber that falls behind is ended without a gap."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import fanout
from services.approval.fanout import Fanout, SubscriberTooSlow
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import TO_APPROVAL, advance, request_release

Client = TestClient[web.Request, web.Application]


async def test_a_lagging_subscriber_ends_at_what_it_had_and_others_go_on(client: Client,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "QUEUE_LIMIT", 3)
    feed = Fanout(client.app[DATABASE])
    start = await client.app[DATABASE].last_offset()
    slow, fast = feed.events(start, lambda _: True), feed.events(start, lambda _: True)
    try:
        release_id = (await request_release(client))["id"]
        first_slow, first_fast = await anext(slow), await anext(fast)
        assert first_slow.event.state == first_fast.event.state == S.REQUESTED
        states = [S.BUILDING, S.BUILT, S.PUSHING]
        await advance(client, release_id, *states)
        got = [(await anext(fast)).event.state for _ in states]  # the fast one keeps up...
        assert got == states
        await advance(client, release_id, *TO_APPROVAL[3:])
        assert [(await anext(fast)).event.state for _ in TO_APPROVAL[3:]] == list(TO_APPROVAL[3:])
        # ...the slow one, six behind with room for three, is ended before anything past what it sent.
        with pytest.raises(SubscriberTooSlow):
            await anext(slow)
    finally:
        await slow.aclose()
        await fast.aclose()
        await feed.close()
