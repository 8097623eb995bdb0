"""A Slack press that approves a release needing two approvers is answered "recorded, 1 of 2, 1 more needed", as
the API answers the same approval, not "approved": the release still awaits approval. The press that completes
the count is answered "approved", and the release goes live."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.settings import ApprovalSettings, Role
from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER, reach, staged_release
from tests.approval.fakes import FakeResolver, fake_pipeline
from tests.harness import running
from tests.hooks.conftest import Client
from tests.hooks.fake_slack import FakeSlack

SIGNING_SECRET = "slack-signing-secret"
ALICE, BOB = "U0ALICE", "U0BOB"
TWO = parse_app_spec("approval: {required_approvals: 2}\n")


@pytest.fixture
async def api(bus_settings: BusSettings, postgres_url: str) -> AsyncIterator[Client]:
    """The API on PostgreSQL, its Slack actions on, and a pipeline whose app needs two approvers."""
    hooks = HookSettings(slack_signing_secret=SIGNING_SECRET, slack_users=[
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER})),
        SlackUser(slack_user=BOB, name="bob", roles=frozenset({Role.APPROVER}))])
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client, \
            running(fake_pipeline(bus_settings, spec=TWO)):
        yield client


async def press(api: Client, slack: FakeSlack, user: str, release_id: str) -> str:
    body = slack.press(user, release_id)
    response = await api.post("/hooks/slack/actions", data=body, headers=slack.headers(body))
    answer = await response.json()
    assert response.status == 200, answer
    return str(answer["text"])


async def test_the_first_of_two_approvals_is_recorded_not_approved(api: Client) -> None:
    slack = FakeSlack(SIGNING_SECRET)
    release_id = await staged_release(api)  # requested by dev-requester
    first = await press(api, slack, ALICE, release_id)
    shown = await (await api.get(f"/releases/{release_id}", headers=REQUESTER)).json()
    approval = shown["release"]["approval"]
    # What the API says of the same release: still awaiting approval, one of two given.
    assert shown["release"]["state"] == "awaiting_approval"
    assert (approval["required"], [g["by"] for g in approval["given"]]) == (2, ["alice"])
    assert "approved demo" not in first, first
    assert first.startswith("alice's approval of demo `") and "is recorded: 1 of 2 approvals" in first, first
    assert "1 more needed" in first, first

    second = await press(api, slack, BOB, release_id)
    assert second.startswith("bob approved demo `"), second
    await reach(api, release_id, S.LIVE)
