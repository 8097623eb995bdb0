"""A Slack button callback is read before anyone is known (its signature covers the whole body), so anyone can send
one: a sender that trickles it no longer holds its connection and handler for as long as it goes on. The body must
arrive within GREENLIGHT_API_BODY_READ_SECONDS, else 408 naming the setting and the connection closed at once.
Before, the sender below was never answered."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings
from services.shared.settings import BusSettings
from tests.approval.fakes import FakeResolver
from tests.approval.trickled_bodies import DEADLINE, Client, cut_at_the_deadline, trickled, trickling
from tests.hooks.fake_slack import FakeSlack

SIGNING_SECRET = "slack-signing-secret"


@pytest.fixture
async def api(bus_settings: BusSettings) -> AsyncIterator[Client]:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings, body_read_seconds=DEADLINE),
                     resolver=FakeResolver(), hooks=HookSettings(slack_signing_secret=SIGNING_SECRET))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_a_trickled_slack_press_is_answered_408_and_closed(api: Client) -> None:
    slack = FakeSlack(SIGNING_SECRET)
    body = slack.press("U0ALICE", "some-release")
    async with trickled(api, "/hooks/slack/actions", slack.headers(body), 60_000) as slow, trickling(slow):
        error = await cut_at_the_deadline(api, slow)
    assert error == {"error": "The request body was not sent within GREENLIGHT_API_BODY_READ_SECONDS (2 s)."}
