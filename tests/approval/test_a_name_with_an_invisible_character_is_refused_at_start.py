"""A name holding a character no reader sees was taken at start, and was another person to the rules that compare names
(no self-approval, one approval per person): `alice` as a token's name and `alice` with a zero-width space (a soft
hyphen, a byte-order mark, a bidi mark: what text pasted from a chat or a wiki page carries) as a Slack user's passed
the one-spelling check, so alice could approve her own release from Slack and count twice. A control character
went through as well: a NUL in a name made every request of that identity that records it a 500 on PostgreSQL, an
escape sequence reached every terminal that shows the audit trail. Such a name stops the start, one line naming the
setting; an invisible character the start cannot see (a git login) is no second person to `same_person` either."""

from __future__ import annotations

import pytest

from services.approval.auth import digest
from services.approval.hook_settings import HookSettings, SlackUser
from services.approval.identity_names import SLACK_USERS, TOKENS, check_one_spelling, same_person
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.settings import BusSettings, StartupError
from tests.approval.refused_start import refused_start

HIDDEN = ["alice\u200b", "al\u00adice", "\ufeffalice", "alice\u2060", "\u202eecila", "ali\u0000ce", "alice\x1b[2J"]


async def test_a_slack_user_named_with_a_zero_width_space_stops_the_start(bus_settings: BusSettings) -> None:
    alice = TokenEntry(name="alice", roles=frozenset({Role.REQUESTER}), token_sha256=digest("alice-token"))
    hooks = HookSettings(slack_users=[SlackUser(slack_user="U123ABC", name="alice\u200b",
                                                roles=frozenset({Role.APPROVER}))])
    refused = await refused_start(ApprovalSettings(tokens=[alice], bus=bus_settings), hooks)
    assert str(refused).startswith(f"{SLACK_USERS} has a name with an invisible character (U+200B)")


@pytest.mark.parametrize("name", HIDDEN)
def test_a_name_with_a_character_no_reader_sees_is_refused(name: str) -> None:
    with pytest.raises(StartupError, match=f"^{TOKENS} has a name with an? (invisible|control) character"):
        check_one_spelling([(TOKENS, [name]), (SLACK_USERS, ["bob"])])


@pytest.mark.parametrize("name", ["ali\u200dce", "alice\ufe0f", "ali\u034fce"])
def test_a_joiner_or_a_variation_selector_is_no_second_spelling(name: str) -> None:
    # Some scripts write names with the joiners (Persian, Hindi): kept, but no second person.
    with pytest.raises(StartupError, match="spell one person two ways"):
        check_one_spelling([(TOKENS, ["alice"]), (SLACK_USERS, [name])])


@pytest.mark.parametrize("login", ["alice\u200b", "al\u00adice", "\ufeffAlice", "ali\u200dce"])
def test_a_login_with_an_invisible_character_is_the_same_person(login: str) -> None:
    assert same_person("alice", login)
    assert not same_person("alice", "alicia")


def test_names_in_scripts_that_need_a_joiner_pass() -> None:
    check_one_spelling([(TOKENS, ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "José Smith"]),
                        (SLACK_USERS, ["bob"])])
