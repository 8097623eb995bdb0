"""A person's name spelt with two inner spaces, or in the other Unicode form of its accented letters (`José` typed
as one code point or as `e` plus a combining accent), was two people to the rules that compare names (no
self-approval, one approval per person), where only case and outer spaces were caught. Such a configuration stops
the API at start, as the other spellings do."""

from __future__ import annotations

import unicodedata

import pytest

from services.approval.identity_names import SLACK_USERS, TOKENS, check_one_spelling
from services.shared.settings import StartupError


@pytest.mark.parametrize(("token_name", "slack_name"), [
    ("Alice Smith", "Alice  Smith"),
    ("Alice Smith", "Alice\u00a0Smith"),
    (unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")),
])
def test_two_forms_of_one_name_stop_the_start(token_name: str, slack_name: str) -> None:
    with pytest.raises(StartupError, match="spell one person two ways"):
        check_one_spelling([(TOKENS, [token_name]), (SLACK_USERS, [slack_name])])


def test_different_people_are_different() -> None:
    check_one_spelling([(TOKENS, ["Alice Smith", "José"]), (SLACK_USERS, ["Alice Smyth", "Jose"])])
