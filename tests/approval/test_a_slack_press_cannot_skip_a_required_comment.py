"""With GREENLIGHT_API_REQUIRE_DECISION_COMMENT on, approve and reject need a comment (the reason, for the audit
trail): the API answers 422 without one. A Slack button press carries none, yet it decided with the comment
"via Slack", which says nothing of why: the release was approved or rejected with no reason recorded. A press is
refused now (422, saying to decide where a comment can be given), changes nothing and claims nothing."""

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
from tests.approval.conftest import APPROVER, staged_release
from tests.approval.fakes import FakeResolver
from tests.hooks.fake_slack import FakeSlack

SIGNING_SECRET, ALICE = "slack-signing-secret", "U0ALICE"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def api(settings: ApprovalSettings, pipeline: web.Application) -> AsyncIterator[Client]:
    hooks = HookSettings(slack_signing_secret=SIGNING_SECRET, slack_users=[  # type: ignore[call-arg]
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER}))])
    app = create_app(settings.model_copy(update={"require_decision_comment": True}), resolver=FakeResolver(),
                     hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.mark.parametrize("action", ["greenlight_approve", "greenlight_reject"])
async def test_a_press_is_refused_when_a_comment_is_required(api: Client, action: str) -> None:
    release_id = await staged_release(api)
    slack = FakeSlack(SIGNING_SECRET)
    body = slack.press(ALICE, release_id, action)
    for _ in range(2):  # nothing claimed: the same press is answered the same
        response = await api.post("/hooks/slack/actions", data=body, headers=slack.headers(body))
        answer = await response.json()
        assert response.status == 422, (response.status, answer)
        assert "comment is required" in answer["error"], answer
    release = await api.app[DATABASE].get(release_id)
    assert release is not None and release.state is S.AWAITING_APPROVAL and release.approver is None
    # A decision with its reason still goes through the API.
    decided = await api.post(f"/releases/{release_id}/approve", json={"comment": "checked the preview"},
                             headers=APPROVER)
    assert decided.status == 200, await decided.text()
