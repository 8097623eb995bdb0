"""One credential counts once towards required approvals, under however many names it has had. Was: alice approved
with her token named `alice`, the token was renamed `alice.smith` while her Slack user kept the name `alice` (so
`alice` still held the approver role), and her second approval, as alice.smith, completed a release that needs two;
likewise a Slack user renamed while a token kept its old name. Each approval now keeps its caller key (the token's
keyed hash, the Slack user id), and of the approvals that count, one per key does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from services.approval.app import create_app
from services.approval.auth import digest
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, reach, staged_release
from tests.approval.fakes import FakeResolver, fake_pipeline
from tests.harness import running
from tests.hooks.fake_slack import FakeSlack

Client = TestClient[web.Request, web.Application]
TWO = parse_app_spec("approval: {required_approvals: 2}\n")
APPROVES = frozenset({Role.APPROVER})
SIGNING_SECRET = "slack-signing-secret"
ALICE_SLACK = "U0ALICE"


@contextlib.asynccontextmanager
async def api(bus: BusSettings, tokens: dict[str, str], slack: dict[str, str]) -> AsyncIterator[Client]:
    """The API with these tokens (name: token) and Slack users (id: name), every one an approver."""
    settings = ApprovalSettings(dev_tokens=True, bus=bus, tokens=[
        TokenEntry(name=name, roles=APPROVES, token_sha256=digest(token)) for name, token in tokens.items()])
    hooks = HookSettings(slack_signing_secret=SIGNING_SECRET, slack_users=[
        SlackUser(slack_user=user, name=name, roles=APPROVES) for user, name in slack.items()])
    async with TestClient(TestServer(create_app(settings, resolver=FakeResolver(), hooks=hooks),
                                     host="127.0.0.1")) as client:
        yield client


async def approve_by_token(client: Client, release_id: str, token: str) -> dict[str, object]:
    answer = await client.post(f"/releases/{release_id}/approve", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200, await answer.text()
    return dict(await answer.json())


async def approve_by_slack(client: Client, release_id: str, user: str) -> None:
    slack = FakeSlack(SIGNING_SECRET)
    body = slack.press(user, release_id)
    answer = await client.post("/hooks/slack/actions", data=body, headers=slack.headers(body))
    assert answer.status == 200, await answer.text()


async def given(client: Client, release_id: str) -> tuple[str, list[str]]:
    shown = await (await client.get(f"/releases/{release_id}", headers=APPROVER)).json()
    return shown["release"]["state"], [g["by"] for g in shown["release"]["approval"]["given"]]


async def test_a_token_renamed_while_its_old_name_still_approves_counts_once(bus_settings: BusSettings,
                                                                             any_database: str) -> None:
    async with running(fake_pipeline(bus_settings, spec=TWO)):
        async with api(bus_settings, {"alice": "alice-token"}, {ALICE_SLACK: "alice"}) as client:
            release_id = await staged_release(client)
            await approve_by_token(client, release_id, "alice-token")
        # The token renamed; her Slack user keeps `alice`, which still holds the approver role.
        async with api(bus_settings, {"alice.smith": "alice-token"}, {ALICE_SLACK: "alice"}) as client:
            again = await approve_by_token(client, release_id, "alice-token")
            assert again["state"] == "awaiting_approval", again
            assert await given(client, release_id) == ("awaiting_approval", ["alice"])
            # Someone else completes it.
            done = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            assert done.status == 200 and (await done.json())["state"] == "approved"
            await reach(client, release_id, S.APPROVED, S.LIVE)
            approved = next(s.event for s in await client.app[DATABASE].history(release_id)
                            if s.event.state is S.APPROVED)
    assert approved.details["approvals"] == ["alice", "dev-approver"]


async def test_a_slack_user_renamed_while_a_token_keeps_its_old_name_counts_once(bus_settings: BusSettings,
                                                                                any_database: str) -> None:
    async with running(fake_pipeline(bus_settings, spec=TWO)):
        async with api(bus_settings, {"alice": "alice-token"}, {ALICE_SLACK: "alice"}) as client:
            release_id = await staged_release(client)
            await approve_by_slack(client, release_id, ALICE_SLACK)
        async with api(bus_settings, {"alice": "alice-token"}, {ALICE_SLACK: "alice.s"}) as client:
            await approve_by_slack(client, release_id, ALICE_SLACK)
            assert await given(client, release_id) == ("awaiting_approval", ["alice"])
            latest = await client.app[DATABASE].latest(release_id)
            assert latest is not None and latest.state is S.AWAITING_APPROVAL
