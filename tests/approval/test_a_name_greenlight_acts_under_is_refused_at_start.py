"""A person named as Greenlight names itself in the history was taken at start: a token or a Slack user named
`policy` approved and rejected as the approval policy's automatic decisions are recorded (actor and approver
`policy`), so the history read as the system's decision, and the policy's watcher took the person's decision for its
own; one named `github-webhook` requested releases as the git hook does, and four_eyes.py read their release's
details for a pusher. Such a name (or one spelt or looking like it) stops the start, one line naming the setting."""

from __future__ import annotations

import pytest

from services.approval.auth import digest
from services.approval.deadlines import ACTOR as DEADLINE
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.identity_names import GIT_USERS, SLACK_USERS, TOKENS, check_one_spelling
from services.approval.policy import HOOK_SOURCES, hook_requester
from services.approval.policy_decisions import ACTOR as POLICY
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.release_states import WORK_QUEUES
from services.shared.settings import BusSettings, StartupError
from tests.approval.refused_start import refused_start

EVERY_SYSTEM_ACTOR = [POLICY, DEADLINE, *WORK_QUEUES, *(hook_requester(source) for source in HOOK_SOURCES)]


async def test_a_slack_user_named_policy_stops_the_start(bus_settings: BusSettings) -> None:
    alice = TokenEntry(name="alice", roles=frozenset({Role.REQUESTER}), token_sha256=digest("alice-token"))
    hooks = HookSettings(slack_users=[SlackUser(slack_user="U123ABC", name="policy", roles=frozenset({Role.APPROVER}))])
    refused = await refused_start(ApprovalSettings(tokens=[alice], bus=bus_settings), hooks)
    assert str(refused) == (
        f"{SLACK_USERS} has the name 'policy', which reads as 'policy', the name the approval policy's automatic "
        "decisions are recorded under: this person's actions would read as Greenlight's own in the history; "
        "rename it")


@pytest.mark.parametrize("actor", EVERY_SYSTEM_ACTOR)
@pytest.mark.parametrize("setting", [TOKENS, SLACK_USERS, GIT_USERS])
def test_every_name_greenlight_acts_under_is_refused(setting: str, actor: str) -> None:
    with pytest.raises(StartupError, match=f"^{setting} has the name {actor!r}, which reads as {actor!r}, the name"):
        check_one_spelling([(setting, ["alice", actor])])


@pytest.mark.parametrize("name", ["Policy", " policy", "p\u03bflicy", "GitHub-Webhook"])
def test_a_name_spelt_or_looking_like_one_greenlight_acts_under_is_refused(name: str) -> None:
    reads_as = f"^{TOKENS} has the name {name!r}, which reads as '(policy|github-webhook)'"
    with pytest.raises(StartupError, match=reads_as):
        check_one_spelling([(TOKENS, [name])])


def test_names_that_only_contain_one_pass() -> None:
    check_one_spelling([(TOKENS, ["policy-team", "alice.deadline", "approvals", "github"])])
