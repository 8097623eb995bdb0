"""Who pushed, to the no-self-approval rule: a verified payload's login and, from GitHub and GitLab, the account's id.

A login is a name the account's owner may change (a GitHub or GitLab rename), and a freed login may be taken by
another account; the id (GitHub `sender.id`, GitLab `user_id`) stays with the account. GREENLIGHT_HOOKS_GIT_USERS maps
either to a Greenlight identity: `"id:<n>"` for an account, else a login (in any case, as the hosts match logins). The
id's entry decides over the login's, which may since name someone else; an account listed by neither is its login.

The `requested` event records the identity (`pushed_by`, what four_eyes.py compares with the approver's name), the
pusher as the payload gave it (`pusher`: host, login, id), and the account's stable key (`pusher_key`,
`<host>:<id>`, public as a Slack user's is). No API token or Slack user is tied to a git account but through this
mapping: an account it does not list is compared by its login alone, so its rename escapes the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.approval.policy import PUSHED_BY, GitHost

ACCOUNT_ENTRY = "id:"  # no GitHub or GitLab login holds a colon
PUSHER_KEY = "pusher_key"  # the `requested` event's details: the account that pushed, `<host>:<id>`
PUSHED_AS = "pushed_as"  # ... and the other identities that account pushed as before (hook_pusher_names.py)
ACCOUNT_HOSTS: frozenset[GitHost] = frozenset({"github", "gitlab"})  # the generic hook's payload has no id
_ACCOUNT = re.compile(r"id:[1-9][0-9]{0,18}")


@dataclass(frozen=True)
class Pusher:
    host: GitHost
    login: str | None  # as the verified payload spells it now
    account: int | None = None  # the host's id of the account, which a rename leaves alone

    @property
    def key(self) -> str | None:
        return None if self.account is None else f"{self.host}:{self.account}"

    def identity(self, users: Mapping[str, str]) -> str | None:
        """Who this pusher is per the host's GREENLIGHT_HOOKS_GIT_USERS entries `users`: the account's entry, else
        the login's (in any case), else the login as it is."""
        if self.account is not None and (name := users.get(f"{ACCOUNT_ENTRY}{self.account}")) is not None:
            return name
        if self.login is None:
            return None
        folded = self.login.casefold()
        return next((name for entry, name in users.items() if entry.casefold() == folded), self.login)

    def details(self, users: Mapping[str, str]) -> dict[str, object]:
        """What the `requested` event records of them; nothing when the payload named nobody."""
        if self.login is None and self.account is None:
            return {}
        pusher: dict[str, object] = {"host": self.host, "login": self.login}
        recorded: dict[str, object] = {"pusher": pusher}
        if (identity := self.identity(users)) is not None:
            recorded[PUSHED_BY] = identity
        if self.key is not None:
            pusher["id"] = self.account
            recorded[PUSHER_KEY] = self.key
        return recorded


def check_entries(host: str, users: Mapping[str, str]) -> None:
    """Raise ValueError for an account entry that could match no push of `host`, where an operator meant one."""
    for entry in users:
        if not entry.startswith(ACCOUNT_ENTRY):
            continue
        if host not in ACCOUNT_HOSTS:
            raise ValueError(f"{host} pushes carry no account id: {entry!r} would match nothing")
        if not _ACCOUNT.fullmatch(entry):
            raise ValueError(f"{host} key {entry!r} is not id:<the account's numeric id>")
