"""A Slack press's button value (the release id) went to the decision unchecked, where the API's own routes take an
id of 1 to 64 characters without NUL: a press on a button whose value holds a NUL (a message posted through the Slack
app's incoming webhook carries whatever buttons its sender wrote) failed the release query on PostgreSQL, a 500 with
a traceback. It is a 422 naming the field now, on both databases, and the press claimed nothing."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.settings import ApprovalSettings, Role
from services.shared.db.settings import DatabaseSettings
from tests.approval.fakes import FakeResolver
from tests.hooks.fake_slack import FakeSlack

SIGNING_SECRET, ALICE = "slack-signing-secret", "U0ALICE"
FIELD = ["body", "payload", "actions", 0, "value"]


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


@pytest.mark.parametrize("value", ["r1\x00", "", "r" * 65])
async def test_a_press_whose_button_names_no_release_id_is_422(settings: ApprovalSettings, value: str) -> None:
    hooks = HookSettings(slack_signing_secret=SIGNING_SECRET, slack_users=[  # type: ignore[call-arg]
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER}))])
    async with TestClient(TestServer(create_app(settings, resolver=FakeResolver(), hooks=hooks),
                                     host="127.0.0.1")) as client:
        slack = FakeSlack(SIGNING_SECRET)
        body = slack.press(ALICE, value)
        for _ in range(2):  # nothing claimed: the same press is answered the same
            response = await client.post("/hooks/slack/actions", data=body, headers=slack.headers(body))
            answer = await response.json()
            assert response.status == 422, (response.status, answer)
            assert [field["loc"][:5] for field in answer["fields"]] == [FIELD], answer
