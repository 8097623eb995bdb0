"""GREENLIGHT_HOOKS_GIT_USERS names people as the tokens and the Slack users do, so the one-spelling rule covers it:
a pusher mapped to `Alice` while the token says `alice` would be another person to the no-self-approval rule, and
alice could approve her own push. Two logins of one host that differ only in case are one login (the hosts match
them in any case), so mapping both is refused too."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.approval.auth import digest
from services.approval.hook_settings import HookSettings
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.settings import BusSettings
from tests.approval.refused_start import refused_start

ALICE = TokenEntry(name="alice", roles=frozenset({Role.APPROVER}), token_sha256=digest("alice-token"))


async def test_a_git_user_spelled_apart_from_a_token_stops_the_start(bus_settings: BusSettings) -> None:
    hooks = HookSettings.model_validate({"git_users": {"github": {"alice-gh": "Alice"}}})
    refused = await refused_start(ApprovalSettings(tokens=[ALICE], bus=bus_settings), hooks)
    assert str(refused).startswith(
        "GREENLIGHT_API_TOKENS / GREENLIGHT_API_TOKENS_FILE and GREENLIGHT_HOOKS_GIT_USERS spell one person two "
        "ways ('alice', 'Alice')")


def test_one_login_mapped_twice_in_other_cases_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_HOOKS_GIT_USERS", '{"gitlab": {"alice": "alice", "ALICE": "bob"}}')
    with pytest.raises(ValidationError, match="'alice' and 'ALICE' are one login"):
        HookSettings()
    monkeypatch.setenv("GREENLIGHT_HOOKS_GIT_USERS", '{"gitlab": {"alice": "alice"}, "github": {"alice": "bob"}}')
    assert HookSettings().pusher_identity("github", "alice") == "bob"  # each host its own logins
