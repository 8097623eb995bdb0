"""Approving from Slack's buttons: a valid signed press approves as the mapped identity; a stale, tampered,
replayed, unmapped or self-approving press changes nothing."""

from __future__ import annotations

import time
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
from tests.approval.conftest import reach, staged_release
from tests.approval.fakes import FakeResolver
from tests.hooks.conftest import Client
from tests.hooks.fake_slack import FakeSlack

SIGNING_SECRET = "slack-signing-secret"
ALICE, REQUESTER, VIEWER = "U0ALICE", "U0REQUESTER", "U0VIEWER"


@pytest.fixture
async def api(bus_settings: BusSettings, postgres_url: str, pipeline: web.Application) -> AsyncIterator[Client]:
    hooks = HookSettings(slack_signing_secret=SIGNING_SECRET, slack_users=[
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER})),
        # The Slack account of the person who requested the release (dev-requester's identity).
        SlackUser(slack_user=REQUESTER, name="dev-requester", roles=frozenset({Role.APPROVER, Role.REQUESTER})),
        SlackUser(slack_user=VIEWER, name="viewer", roles=frozenset({Role.REQUESTER})),
    ])
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings), resolver=FakeResolver(), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def press(api: Client, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = await api.post("/hooks/slack/actions", data=body, headers=headers)
    return response.status, await response.json()


async def test_a_signed_press_approves_once_as_the_mapped_identity(api: Client) -> None:
    slack = FakeSlack(SIGNING_SECRET)
    release_id = await staged_release(api)
    body = slack.press(ALICE, release_id)
    status, answer = await press(api, body, slack.headers(body))
    assert status == 200, answer
    assert "alice approved" in str(answer["text"])
    await reach(api, release_id, S.LIVE)
    release = await api.app[DATABASE].get(release_id)
    assert release is not None and release.approver == "alice"
    status, answer = await press(api, body, slack.headers(body))  # the same press, replayed
    assert status == 409 and "used already" in str(answer["error"])


async def test_stale_tampered_forged_unmapped_and_self_approving_presses_change_nothing(api: Client) -> None:
    slack = FakeSlack(SIGNING_SECRET)
    release_id = await staged_release(api)  # requested by dev-requester
    body = slack.press(ALICE, release_id)
    stale = await press(api, body, slack.headers(body, at=int(time.time()) - 6 * 60))
    tampered = await press(api, body.replace(ALICE.encode(), REQUESTER.encode()), slack.headers(body))
    forged = await press(api, body, FakeSlack("not-the-secret").headers(body))
    own = slack.press(REQUESTER, release_id)
    self_approval = await press(api, own, slack.headers(own))
    viewer = slack.press(VIEWER, release_id)
    no_role = await press(api, viewer, slack.headers(viewer))
    stranger = slack.press("U0STRANGER", release_id)
    unmapped = await press(api, stranger, slack.headers(stranger))
    assert [stale[0], tampered[0], forged[0]] == [401, 401, 401]
    assert self_approval[0] == 403 and "someone else" in str(self_approval[1]["error"])
    assert no_role[0] == 403 and unmapped[0] == 403
    release = await api.app[DATABASE].get(release_id)
    assert release is not None and release.state == S.AWAITING_APPROVAL and release.approver is None
    # The refused presses claimed nothing: a valid press still approves.
    status, _ = await press(api, body, slack.headers(body))
    assert status == 200
