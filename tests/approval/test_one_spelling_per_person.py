"""The API refuses to start when its tokens and its Slack users spell one person two ways.

Names are compared exactly: `alice` (a token) and `Alice` (a Slack user) were two people to the rules, so alice
could approve her own release from Slack and count twice towards a policy's required approvals.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from services.approval.app import create_app
from services.approval.auth import digest
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.identity_names import check_one_spelling
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.settings import BusSettings, StartupError

ALICE = TokenEntry(name="alice", roles=frozenset({Role.APPROVER, Role.REQUESTER}),
                   token_sha256=digest("alice-token"))


async def test_a_slack_user_spelled_apart_from_a_token_stops_the_start(bus_settings: BusSettings) -> None:
    hooks = HookSettings(slack_users=[SlackUser(slack_user="U123ABC", name="Alice",
                                                roles=frozenset({Role.APPROVER}))])
    app = create_app(ApprovalSettings(tokens=[ALICE], bus=bus_settings), hooks=hooks)
    runner = web.AppRunner(app)
    with pytest.raises(StartupError) as refused:
        await runner.setup()
    await runner.cleanup()
    assert str(refused.value) == (
        "GREENLIGHT_API_TOKENS / GREENLIGHT_API_TOKENS_FILE and GREENLIGHT_HOOKS_SLACK_USERS spell one person two "
        "ways ('alice', 'Alice'); names are compared exactly (no self-approval, one approval per person): use "
        "one spelling everywhere")


@pytest.mark.parametrize(("first", "second"), [("alice", "alice "), ("Bo", "bo"), ("ÉVE", "éve")])
def test_names_differing_only_in_case_or_spaces_are_refused(first: str, second: str) -> None:
    with pytest.raises(StartupError):
        check_one_spelling([("A", [first]), ("B", [second])])


def test_one_spelling_everywhere_and_distinct_people_pass() -> None:
    # Two tokens of one person (a rotation) and the same name as a Slack user: one person, one spelling.
    check_one_spelling([("A", ["alice", "alice", "bob"]), ("B", ["alice", "carol"])])
