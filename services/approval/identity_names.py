"""One person, one spelling: identity names are compared exactly, across every place that names people.

The API's tokens and the Slack users each map a credential to a name, and the git users a host's login (who pushed)
to one; that name is what the rules compare: no self-approval (the requester's name, and the pusher's of a release a
git hook started, against the approver's), one approval per person (the ledger's key),
who decided. `alice` in GREENLIGHT_API_TOKENS and `Alice` in GREENLIGHT_HOOKS_SLACK_USERS are two people to
those rules: alice could approve her own release from Slack, and count twice towards required approvals. Such a
configuration stops the API at start, with one line naming both settings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Callable, Iterable

from aiohttp import web

from services.approval.auth import TokenTable
from services.approval.hook_settings import HookSettings
from services.shared.settings import StartupError

TOKENS = "GREENLIGHT_API_TOKENS / GREENLIGHT_API_TOKENS_FILE"
SLACK_USERS = "GREENLIGHT_HOOKS_SLACK_USERS"
GIT_USERS = "GREENLIGHT_HOOKS_GIT_USERS"


def check_one_spelling(sources: Iterable[tuple[str, Iterable[str]]]) -> None:
    """Raise StartupError if two names differ only in case, whitespace (outer, inner runs, no-break spaces) or Unicode
    form (`é` as one code point or two); `sources`: (setting, names)."""
    seen: dict[str, tuple[str, str]] = {}
    for setting, names in sources:
        for name in names:
            first, where = seen.setdefault(_one_form(name), (name, setting))
            if first != name:
                raise StartupError(
                    f"{where} and {setting} spell one person two ways ({first!r}, {name!r}); names are compared "
                    "exactly (no self-approval, one approval per person): use one spelling everywhere")


def same_person(a: str, b: str) -> bool:
    """Whether two names are one person's spellings: for a name no start-up check could cover (a git login that
    GREENLIGHT_HOOKS_GIT_USERS does not map), where refusing too many is the safe side of a four-eyes rule."""
    return _one_form(a) == _one_form(b)


def _one_form(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def one_spelling(tokens: TokenTable, hooks: HookSettings) -> Callable[[web.Application], AsyncIterator[None]]:
    """The check as a cleanup context, first of the app's: raised at start, `run` prints it as the one line."""
    async def check(app: web.Application) -> AsyncIterator[None]:
        check_one_spelling([(TOKENS, tokens.names), (SLACK_USERS, [user.name for user in hooks.slack_users]),
                            (GIT_USERS, [name for users in hooks.git_users.values() for name in users.values()])])
        yield

    return check
