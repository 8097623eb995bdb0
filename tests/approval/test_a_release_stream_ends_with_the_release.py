"""A release's event stream ends after the release's last event (`failed`, `rejected`, `rolled_back`), and asked
again from that event or later it is answered 204 No Content, which tells an EventSource to stop reconnecting.

It stayed open for as long as the client did, holding one of its identity's streams
(`GREENLIGHT_API_SSE_MAX_STREAMS_PER_IDENTITY`) for nothing: a browser tab left on an ended release, or an
EventSource reconnecting after every drop, kept it for good. `live` is no end (a rollback follows it), and a stream
of every release, or of an app, carries on past any release's end."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.stream_hub import HUB
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, live_release, reach, request_release, staged_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]
STAGED = ["requested", "building", "built", "pushing", "pushed", "deploying", "awaiting_approval"]


async def test_a_rejected_releases_stream_ends_and_is_not_reopened(client: Client, pipeline: web.Application,
                                                                   test_id: str) -> None:
    app = f"nay-{test_id}"
    release_id = await staged_release(client, app)
    path = f"/releases/{release_id}/events"
    async with client.get(path, headers={**REQUESTER, "Last-Event-ID": "-1"}) as response:
        assert response.status == 200
        assert [m.event for m in await read_messages(response, len(STAGED))] == STAGED
        rejected = await client.post(f"/releases/{release_id}/reject", json={"comment": "no"}, headers=APPROVER)
        assert rejected.status == 200, await rejected.text()
        rest = await read_messages(response)  # until the stream ends: a stream left open fails on the timeout
        assert response.content.at_eof()
    assert [m.event for m in rest] == ["rejected"]
    assert not client.app[HUB].open and client.app[HUB].by_identity["dev-requester"] == 0

    last = rest[0].id
    for headers in ({"Last-Event-ID": str(last)}, {"Last-Event-ID": str(last + 1000)}, {}):  # {}: from "now"
        async with client.get(path, headers={**REQUESTER, **headers}) as again:
            assert again.status == 204, headers
            assert await again.read() == b""
    async with client.get(path, headers={**REQUESTER, "Last-Event-ID": str(last - 1)}) as before:
        assert [m.event for m in await read_messages(before)] == ["rejected"]  # the end again, then it ends

    # A stream of the app goes on past it: the app's next release comes through on it.
    async with client.get(f"/events?app={app}", headers={**REQUESTER, "Last-Event-ID": str(last - 1)}) as app_stream:
        assert [m.event for m in await read_messages(app_stream, 1)] == ["rejected"]
        following = (await request_release(client, app))["id"]
        nxt = await read_messages(app_stream, 1)
    assert (nxt[0].data["release_id"], nxt[0].event) == (following, "requested")


async def test_a_live_releases_stream_goes_on_to_its_rollback(client: Client, pipeline: web.Application,
                                                              test_id: str) -> None:
    app = f"back-{test_id}"
    first = await live_release(client, app)
    second = await live_release(client, app)
    await reach(client, first, S.SUPERSEDED)
    async with client.get(f"/releases/{second}/events", headers={**REQUESTER, "Last-Event-ID": "-1"}) as response:
        assert (await read_messages(response, until="live"))[-1].event == "live"
        asked = await client.post(f"/apps/{app}/rollback", json={"reason": "errors"}, headers=APPROVER)
        assert asked.status == 202, await asked.text()
        rest = await read_messages(response)
        assert response.content.at_eof()
    assert [m.event for m in rest] == ["rolling_back", "rolled_back"]
    async with client.get(f"/releases/{second}/events", headers=REQUESTER) as again:
        assert again.status == 204
