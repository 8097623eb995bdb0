"""An older API replica answers a Slack Approve or Reject press on a release a newer Greenlight left in a state (or
with an event of a schema version) this version does not know with the 409 of the API's own decision on it; the
press's claim is let go, so the same press on a newer replica (or again, once this one is upgraded) still counts.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.settings import ApprovalSettings, Role
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.fakes import FakeResolver
from tests.approval.newer_replica import as_the_newer_one_stores, newer_replica, newer_steps
from tests.db.conftest import chain
from tests.db.newer_events import publish_bodies
from tests.hooks.fake_slack import FakeSlack

SIGNING_SECRET, ALICE = "slack-signing-secret", "U0ALICE"
SAYS = "in a state this version of Greenlight does not know"


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_a_slack_press_on_a_release_this_version_does_not_know_is_409(settings: ApprovalSettings,
                                                                            any_database: str) -> None:
    hooks = HookSettings(slack_signing_secret=SIGNING_SECRET, slack_users=[  # type: ignore[call-arg]
        SlackUser(slack_user=ALICE, name="alice", roles=frozenset({Role.APPROVER}))])
    app = create_app(settings, resolver=FakeResolver(), hooks=hooks)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        bus = client.app[BUS]
        # shop's r1 is `scanning`; api's r4 awaits approval since an event at schema version 2.
        await publish_bodies(bus, newer_steps(chain("r1", app="shop"), S.PUSHING)
                             + newer_steps(chain("r4", app="api"), scanning=False, schema_2=S.AWAITING_APPROVAL))
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)
            slack = FakeSlack(SIGNING_SECRET)
            for release_id, why in (("r1", "state: 'scanning'"), ("r4", "schema_version 2")):
                for action in ("greenlight_approve", "greenlight_reject"):
                    body = slack.press(ALICE, release_id, action)
                    for _ in range(2):  # the same press again: its claim was let go, not "used already"
                        response = await client.post("/hooks/slack/actions", data=body, headers=slack.headers(body))
                        answer = await response.json()
                        assert response.status == 409, (release_id, action, response.status, answer)
                        assert SAYS in answer["error"] and why in answer["error"], answer
