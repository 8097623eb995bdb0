"""Two names that look alike were two people to the rules that compare names (no self-approval, one approval per
person): `alice` and `alice` with a Cyrillic a (U+0430), or `ann-marie` with U+2010 HYPHEN for its ASCII
hyphen-minus, passed the one-spelling check, so one person holding two tokens counted twice towards a policy's
required approvals, or approved their own release. Names with one UTS #39 skeleton (Unicode's confusables data) now
stop the start as names in two cases do, one line naming the settings and both names (escaped, so the line shows
which differs); a git login no start-up check covers is the same person to `same_person`."""

from __future__ import annotations

import pytest

from services.approval.auth import digest
from services.approval.identity_names import SLACK_USERS, TOKENS, check_one_spelling, same_person
from services.approval.settings import ApprovalSettings, Role, TokenEntry
from services.shared.settings import BusSettings, StartupError
from tests.approval.refused_start import refused_start

LOOK_ALIKE = [
    ("alice", "\u0430lice"),  # CYRILLIC SMALL LETTER A
    ("ann-marie", "ann\u2010marie"),  # HYPHEN
    ("bob", "b\u03bfb"),  # GREEK SMALL LETTER OMICRON
    ("alice", "a\u0406ice"),  # CYRILLIC CAPITAL BYELORUSSIAN-UKRAINIAN I for the l
    ("alice", "aIice"),  # a capital I for the l
    ("ops1", "opsl"),  # a digit one for the l
    ("Alice", "\u0410LICE"),  # in another case as well
]


async def test_one_person_with_two_tokens_under_look_alike_names_stops_the_start(bus_settings: BusSettings) -> None:
    tokens = [TokenEntry(name=name, roles=frozenset({Role.APPROVER}), token_sha256=digest(token))
              for name, token in (("alice", "alice-token"), ("\u0430lice", "second-token"))]
    refused = await refused_start(ApprovalSettings(tokens=tokens, bus=bus_settings))
    assert str(refused) == (
        f"{TOKENS} has two names that look alike ('alice', '\\u0430lice'): one person's two names, or one made to "
        "pass for the other, to the rules that compare names (no self-approval, one approval per person); rename "
        "one")


@pytest.mark.parametrize(("token_name", "slack_name"), LOOK_ALIKE)
def test_look_alike_names_in_two_settings_stop_the_start(token_name: str, slack_name: str) -> None:
    with pytest.raises(StartupError, match=f"^{TOKENS} and {SLACK_USERS} have two names that look alike"):
        check_one_spelling([(TOKENS, [token_name]), (SLACK_USERS, [slack_name])])


@pytest.mark.parametrize(("name", "login"), LOOK_ALIKE)
def test_a_look_alike_login_is_the_same_person(name: str, login: str) -> None:
    assert same_person(name, login)


def test_names_that_do_not_look_alike_pass() -> None:
    check_one_spelling([(TOKENS, ["alice", "Alice Smith", "José", "ann-marie", "ops1", "dev-approver"]),
                        (SLACK_USERS, ["alicia", "Alice Smyth", "Jose", "ann marie", "ops2", "dev-admin", "alice"])])
    assert not same_person("alice", "alicia") and not same_person("José", "Jose")
