"""A `GREENLIGHT_API_POLICY_MIN_APPROVALS` above the number of people who may approve stops the API at start.

Every release needs that many distinct approvers (none its requester), and only names with the approver (or admin)
role in the API's tokens or the Slack users count (approvals.py). With fewer of them configured, the API started,
and each release waited at "1 of 2" until it expired: no release could ever be approved by people. Like the other
bounds that contradict each other (a minimum soak past the maximum expiry), it is now one line naming the setting.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from services.approval.app import create_app
from services.approval.auth import digest
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.policy import PolicyBounds
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.settings import BusSettings, StartupError

APPROVES = frozenset({Role.APPROVER})
ALICE = TokenEntry(name="alice", roles=APPROVES, token_sha256=digest("alice-token"))
ALICE_ON_SLACK = SlackUser(slack_user="U1ALICE", name="alice", roles=APPROVES)
CI = TokenEntry(name="ci", roles=frozenset({Role.REQUESTER}), token_sha256=digest("ci-token"))


async def started(settings: ApprovalSettings, hooks: HookSettings | None = None) -> None:
    runner = web.AppRunner(create_app(settings, hooks=hooks or HookSettings()))
    try:
        await runner.setup()
    finally:
        await runner.cleanup()


async def test_more_approvals_than_approvers_stop_the_start(bus_settings: BusSettings) -> None:
    # alice's token and her Slack user are one person; the requester-only token approves nothing.
    settings = ApprovalSettings(tokens=[ALICE, CI], bus=bus_settings, policy=PolicyBounds(min_approvals=2))
    with pytest.raises(StartupError) as refused:
        await started(settings, HookSettings(slack_users=[ALICE_ON_SLACK]))
    assert str(refused.value) == (
        "GREENLIGHT_API_POLICY_MIN_APPROVALS (2) is more than the people who may approve (1: alice; the approver or "
        "admin role in the API tokens and the Slack users): no release could be approved")


async def test_as_many_approvers_as_the_minimum_start(bus_settings: BusSettings) -> None:
    bob = TokenEntry(name="bob", roles=frozenset({Role.ADMIN}), token_sha256=digest("bob-token"))
    await started(ApprovalSettings(tokens=[ALICE, bob, CI], bus=bus_settings, policy=PolicyBounds(min_approvals=2)))
