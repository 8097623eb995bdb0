"""One person, one spelling: identity names are compared exactly, across every place that names people.

The API's tokens and the Slack users each map a credential to a name, and the git users a host's login (who pushed)
to one; that name is what the rules compare: no self-approval (the requester's name, and the pusher's of a release a
git hook started, against the approver's), one approval per person (the ledger's key),
who decided. `alice` in GREENLIGHT_API_TOKENS and `Alice` in GREENLIGHT_HOOKS_SLACK_USERS are two people to
those rules: alice could approve her own release from Slack, and count twice towards required approvals. Such a
configuration stops the API at start, with one line naming both settings. So does a name holding a character no
reader sees (a control character, a zero-width space, a bidi mark): `alice` and `alice` plus U+200B look one person.
So do two names that look alike, with one UTS #39 skeleton (Unicode's confusables data, from `disarm`): `alice` and
`alice` with U+0430 (a Cyrillic a) for its a, `ann-marie` with U+2010 for its hyphen, `aIice` (a capital I for the
l), the pair a person holding two tokens would need to approve their own release; and a person named as Greenlight
names itself in the history (system_actors.py: `policy`, `deadline`, `github-webhook`...), whose decisions would read
as the system's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable
from typing import NoReturn

from aiohttp import web
from disarm import skeleton_key

from services.approval.auth import TokenTable
from services.approval.hook_settings import HookSettings
from services.approval.system_actors import system_actors
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
    """Raise StartupError if a name holds a character no reader sees, reads as a name Greenlight acts under, or two
    names differ only in case, whitespace (outer, inner runs, no-break spaces), Unicode form (`é` as one code point or
    two) or invisible characters, or look alike; `sources`: (setting, names)."""
    actors = system_actors()
    system = {key: actor for actor in actors for key in _person_keys(actor)}
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for setting, names in sources:
        for name in names:
            if (hidden := _hidden(name)) is not None:
                raise StartupError(f"{setting} has a name with {hidden} in it ({name!r}): names are shown to and "
                                   "compared for people, who cannot see it; remove it")
            keys = _person_keys(name)
            if (actor := next((system[key] for key in keys if key in system), None)) is not None:
                raise StartupError(f"{setting} has the name {name!r}, which reads as {actor!r}, the name "
                                   f"{actors[actor]}: this person's actions would read as Greenlight's own "
                                   "in the history; rename it")
            for key in keys:  # the spelling first: its line says more than "look alike"
                first, where = seen.setdefault(key, (name, setting))
                if first != name:
                    _refuse_two_names(where, setting, first, name, spelt=key == keys[0])


def _refuse_two_names(where: str, setting: str, first: str, name: str, *, spelt: bool) -> NoReturn:
    settings = where if where == setting else f"{where} and {setting}"
    if spelt:
        raise StartupError(f"{settings} {'spells' if where == setting else 'spell'} one person two ways ({first!r}, "
                           f"{name!r}); names are compared exactly (no self-approval, one approval per person): use "
                           "one spelling everywhere")
    # !a: the line shows which letter is not the one it looks like.
    raise StartupError(f"{settings} {'has' if where == setting else 'have'} two names that look alike "
                       f"({first!a}, {name!a}): one person's two names, or one made to pass for the other, "
                       "to the rules that compare names (no self-approval, one approval per person); rename one")


def same_person(a: str, b: str) -> bool:
    """Whether two names are one person's spellings, or look alike: for a name no start-up check could cover (a git
    login that GREENLIGHT_HOOKS_GIT_USERS does not map, a requester's name recorded before a rename), where refusing
    too many is the safe side of a four-eyes rule."""
    return not set(_person_keys(a)).isdisjoint(_person_keys(b))


def _hidden(name: str) -> str | None:
    """What in `name` no reader sees, said for the start's line; None when nothing."""
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):  # Cs: an undecodable byte of the environment
            return f"a control character (U+{ord(char):04X})"
        if category == "Cf" and char not in _JOINERS:
            return f"an invisible character (U+{ord(char):04X})"
    return None


def _person_keys(name: str) -> tuple[tuple[str, str], ...]:
    """What makes two names one person's, its spelling first: the same spelling, or the same skeleton. The skeleton
    with TR39's digits (`1` is `l`, `0` is `O`); of the name as written, which sees a capital I for an l, and of its
    spelling (case folded), which sees `ALICE` with a Cyrillic A (U+0410) for `alice`. A name of characters with no
    skeleton (private use) has none."""
    spelling = _one_form(name)
    looks = (("looks", skeleton_key(name, digit_policy="tr39")),
             ("looks folded", skeleton_key(spelling, digit_policy="tr39")))
    return ("spelling", spelling), *((kind, key) for kind, key in looks if key)


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
