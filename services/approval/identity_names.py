"""One person, one spelling: identity names are compared exactly, across every place that names people.

The API's tokens and the Slack users each map a credential to a name, and the git users a host's login (who pushed)
to one; that name is what the rules compare: no self-approval (the requester's name, and the pusher's of a release a
git hook started, against the approver's), one approval per person (the ledger's key),
who decided. `alice` in GREENLIGHT_API_TOKENS and `Alice` in GREENLIGHT_HOOKS_SLACK_USERS are two people to
those rules: alice could approve her own release from Slack, and count twice towards required approvals. Such a
configuration stops the API at start, with one line naming both settings. So does a name holding a character no
reader sees (a control character, a zero-width space, a bidi mark): `alice` and `alice` plus U+200B look one person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable

from aiohttp import web

from services.approval.auth import TokenTable
from services.approval.hook_settings import HookSettings
from services.shared.settings import StartupError

TOKENS = "GREENLIGHT_API_TOKENS / GREENLIGHT_API_TOKENS_FILE"
SLACK_USERS = "GREENLIGHT_HOOKS_SLACK_USERS"
GIT_USERS = "GREENLIGHT_HOOKS_GIT_USERS"
# ZWNJ and ZWJ: format characters some scripts write names with (Persian, Hindi); kept, though no spelling of their own.
_JOINERS = frozenset("\u200c\u200d")
# Default-ignorable code points that are not format characters (Cf): invisible, yet letters or marks to Unicode
# (the combining grapheme joiner, Hangul fillers, variation selectors).
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
                        "\U000e0100-\U000e01ef]")


def check_one_spelling(sources: Iterable[tuple[str, Iterable[str]]]) -> None:
    """Raise StartupError if a name holds a character no reader sees, or two names differ only in case, whitespace
    (outer, inner runs, no-break spaces), Unicode form (`é` as one code point or two) or invisible characters;
    `sources`: (setting, names)."""
    seen: dict[str, tuple[str, str]] = {}
    for setting, names in sources:
        for name in names:
            if (hidden := _hidden(name)) is not None:
                raise StartupError(f"{setting} has a name with {hidden} in it ({name!r}): names are shown to and "
                                   "compared for people, who cannot see it; remove it")
            first, where = seen.setdefault(_one_form(name), (name, setting))
            if first != name:
                raise StartupError(
                    f"{where} and {setting} spell one person two ways ({first!r}, {name!r}); names are compared "
                    "exactly (no self-approval, one approval per person): use one spelling everywhere")


def same_person(a: str, b: str) -> bool:
    """Whether two names are one person's spellings: for a name no start-up check could cover (a git login that
    GREENLIGHT_HOOKS_GIT_USERS does not map), where refusing too many is the safe side of a four-eyes rule."""
    return _one_form(a) == _one_form(b)


def _hidden(name: str) -> str | None:
    """What in `name` no reader sees, said for the start's line; None when nothing."""
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):  # Cs: an undecodable byte of the environment
            return f"a control character (U+{ord(char):04X})"
        if category == "Cf" and char not in _JOINERS:
            return f"an invisible character (U+{ord(char):04X})"
    return None


def _one_form(name: str) -> str:
    return " ".join(_visible(unicodedata.normalize("NFKC", _visible(name))).split()).casefold()


def _visible(text: str) -> str:
    # A git login no start-up check covers may hold them too: `same_person` reads through them.
    return _IGNORABLE.sub("", "".join(char for char in text if unicodedata.category(char) != "Cf"))


def one_spelling(tokens: TokenTable, hooks: HookSettings) -> Callable[[web.Application], AsyncIterator[None]]:
    """The check as a cleanup context, first of the app's: raised at start, `run` prints it as the one line."""
    async def check(app: web.Application) -> AsyncIterator[None]:
        check_one_spelling([(TOKENS, tokens.names), (SLACK_USERS, [user.name for user in hooks.slack_users]),
                            (GIT_USERS, [name for users in hooks.git_users.values() for name in users.values()])])
        yield

    return check
