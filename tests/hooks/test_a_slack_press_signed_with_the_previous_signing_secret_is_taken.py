"""Slack's signing secret, rotated ("Regenerate" in the Slack app's settings), refused every button press until
GREENLIGHT_HOOKS_SLACK_SIGNING_SECRET had the new one, and with the new one set, every press Slack still signed with the
old. The old one is taken beside it as GREENLIGHT_HOOKS_SLACK_SIGNING_SECRET_PREVIOUS: a press signed with either
decides, one signed with neither is refused (401, as before) and decides nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.settings import ApprovalSettings, Role
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import staged_release
from tests.approval.fakes import FakeResolver
from tests.hooks.conftest import Client
from tests.hooks.fake_slack import FakeSlack

CURRENT, PREVIOUS = "slack-signing-secret-regenerated", "slack-signing-secret-of-last-year"
ALICE = "U0ALICE"


@pytest.fixture
async def api(bus_settings: BusSettings, postgres_url: str, pipeline: web.Application) -> AsyncIterator[Client]:
    hooks = HookSettings(slack_signing_secret=CURRENT, slack_signing_secret_previous=PREVIOUS, slack_users=[
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER}))])
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_a_press_signed_with_either_secret_decides_and_with_neither_is_refused(api: Client) -> None:
    first, second = await staged_release(api, "demo"), await staged_release(api, "other")
    body = FakeSlack(CURRENT).press(ALICE, first)
    forged = await api.post("/hooks/slack/actions", data=body, headers=FakeSlack("neither-secret-ab").headers(body))
    assert (forged.status, await forged.json()) == (401, {
        "error": "The Slack signature is stale or does not match the body."})
    release = await api.app[DATABASE].get(first)
    assert release is not None and release.state == S.AWAITING_APPROVAL and release.approver is None
    for secret, release_id in ((PREVIOUS, first), (CURRENT, second)):  # Slack not moved over yet, then moved over
        slack = FakeSlack(secret)
        body = slack.press(ALICE, release_id)
        response = await api.post("/hooks/slack/actions", data=body, headers=slack.headers(body))
        assert response.status == 200, await response.text()
        assert "alice approved" in (await response.json())["text"]
