"""Every status `POST /hooks/slack/actions` answers is one its operation in /openapi.json lists, and it lists none
the route does not answer: a client generated from the document is told of each.

The route reads its body itself (the signature covers the raw body, so it names no body model), and the document
derived the body's statuses from a body model only: a body whose Content-Encoding does not decode (400) and one past
GREENLIGHT_API_MAX_BODY_BYTES (413) were answered and not documented.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.settings import ApprovalSettings, Role
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import reach, staged_release
from tests.approval.fakes import FakeResolver
from tests.approval.trickled_bodies import DEADLINE, cut_at_the_deadline, trickled, trickling
from tests.hooks.fake_slack import FakeSlack
from tests.tcp_proxy import TcpProxy

Client = TestClient[web.Request, web.Application]
PATH, SECRET, ALICE, VIEWER = "/hooks/slack/actions", "slack-signing-secret", "U0ALICE", "U0VIEWER"
MAX_BODY = 1024  # GREENLIGHT_API_MAX_BODY_BYTES at its least: a press (about 300 bytes) fits


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


def api(settings: ApprovalSettings, hooks: HookSettings) -> Client:
    return TestClient(TestServer(create_app(settings, resolver=FakeResolver(), hooks=hooks), host="127.0.0.1"))


async def documented(client: Client) -> set[int]:
    paths = (await (await client.get("/openapi.json")).json())["paths"]
    return {int(status) for status in paths[PATH]["post"]["responses"]}


async def test_every_status_the_route_answers_is_documented(bus_settings: BusSettings, postgres_url: str,
                                                            proxy: TcpProxy, pipeline: web.Application) -> None:
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, max_body_bytes=MAX_BODY, body_read_seconds=DEADLINE,
                                database=DatabaseSettings(  # type: ignore[call-arg]
                                    GREENLIGHT_DATABASE_URL=through_proxy.render_as_string(hide_password=False)))
    hooks = HookSettings(slack_signing_secret=SECRET, slack_users=[
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER})),
        SlackUser(slack_user=VIEWER, name="viewer", roles=frozenset({Role.REQUESTER}))])
    slack = FakeSlack(SECRET)
    answered: dict[int, str] = {}

    async def press(client: Client, body: bytes, headers: dict[str, str], why: str) -> None:
        response = await client.post(PATH, data=body, headers=headers)
        answered.setdefault(response.status, why)
        assert response.content_type == "application/json", (why, response.status, await response.text())

    async with api(settings, HookSettings()) as unconfigured:
        body = slack.press(ALICE, "r1")
        await press(unconfigured, body, slack.headers(body), "Slack actions not configured")
    async with api(settings, hooks) as client:
        release_id = await staged_release(client)
        body = slack.press(ALICE, release_id)
        await press(client, body, slack.headers(body), "approved")
        await press(client, body, slack.headers(body), "the same press again")
        await reach(client, release_id, S.LIVE)
        await press(client, body, {}, "unsigned")
        viewer = slack.press(VIEWER, release_id)
        await press(client, viewer, slack.headers(viewer), "no approver role")
        await press(client, b"payload=%7B%7D", slack.headers(b"payload=%7B%7D"), "no button in the payload")
        await press(client, b"no gzip at all", {**slack.headers(body), "Content-Encoding": "gzip"}, "not decodable")
        large = body + b"&pad=" + b"x" * MAX_BODY
        await press(client, large, slack.headers(large), "too large")
        async with trickled(client, PATH, slack.headers(body), 60_000) as slow, trickling(slow):
            await cut_at_the_deadline(client, slow)
            answered.setdefault(408, "trickled")
        await proxy.away()
        try:
            again = slack.press(ALICE, release_id)
            await press(client, again, slack.headers(again), "the database away")
        finally:
            await proxy.back()
        in_document = await documented(client)
    assert set(answered) == {200, 400, 401, 403, 404, 408, 409, 413, 422, 503}, answered
    assert {s: why for s, why in answered.items() if s not in in_document} == {}
    assert in_document == set(answered)  # nothing documented that the route does not answer
