"""Who may not decide on a release: its requester, and for a release a git hook started, whoever pushed.

The requester is recorded by name (`requested_by`), and a name is configuration: alice's token renamed
`alice.smith` (the same secret) made her someone else to a rule that compared names, free to approve her own
release. So the `requested` event also records the requester's caller key (`REQUESTER_KEY`: `Identity.key`, which a
rename leaves alone; none for a git hook), and the rule refuses a caller whose name or key is the requester's. A name
is the requester's as the start-up check and a pusher's compare names (`same_person`): in any case, spacing or
look-alike letters, so a token both rotated and renamed `alice` to `Alice` is still refused.
What a key cannot link: a token both rotated (a new secret) and renamed is a new credential, and a person's other
credential (their Slack user against the token they requested with) has another key: those compare by name, as a
`requested` event from before keys does. A pusher is compared by name (`same_person`): the identity
GREENLIGHT_HOOKS_GIT_USERS maps their account id or login to, resolved when the push arrived (hook_pushers.py), and
every identity the same account (`pusher_key`, `github:<id>`) was recorded as in its earlier hook releases
(`pushed_as`, hook_pusher_names.py). The account's key itself is never compared with a caller's: no caller key (a
token's, a Slack user's) is a git account's, and the mapping is the only link from an approver to one. So an account
mapped by its id is refused after any rename; one listed by login only, or not at all, is refused under its login
and the identities it pushed as before, but a rename before its first push through a hook is not seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.approval.approvals import Given
from services.approval.auth import Identity
from services.approval.hook_pushers import PUSHED_AS
from services.approval.identity_names import same_person
from services.approval.policy import HOOK_SOURCES, PUSHED_BY, hook_requester
from services.shared.db.release_reads import ReleaseReads
from services.shared.protocol import ReleaseState
from services.shared.release import Release

REQUESTER_KEY = "requester_key"  # the `requested` event's details: the requester's caller key


def with_requester_key(details: Mapping[str, object], caller: Identity) -> dict[str, object]:
    """The `requested` event's details, with the key of the caller who asked for it when one stands behind them."""
    return {**details, REQUESTER_KEY: caller.key} if caller.key is not None else dict(details)


@dataclass(frozen=True)
class Requester:
    name: str
    key: str | None = None  # None: a git hook asked, or the release was requested before keys
    pusher: str | None = None  # who pushed the commit a git hook released
    pushed_as: tuple[str, ...] = ()  # who the pusher's account was in its earlier pushes (hook_pusher_names.py)

    @property
    def pushers(self) -> tuple[str, ...]:
        return self.pushed_as if self.pusher is None else (self.pusher, *self.pushed_as)

    def is_caller(self, caller: Identity) -> bool:
        return same_person(caller.name, self.name) or (self.key is not None and caller.key == self.key)

    def own(self, caller: Identity) -> str | None:
        """What makes the release `caller`'s own ("requested this release"...), None when it is not."""
        if self.is_caller(caller):
            return "requested this release" + ("" if caller.name == self.name else f" (as {self.name})")
        if any(same_person(caller.name, pusher) for pusher in self.pushers):
            return "pushed this release's commit"
        return None

    def among(self, given: Iterable[Given]) -> bool:
        """Whether the requester's (or pusher's) own approval is one of `given`: only an admin override put it there.
        A pusher is compared as `own` compares it (`same_person`): by exact name, an unmapped login `Bob` approved by
        admin `bob` was an override to `own` and none here, and the decision completing the count lost it."""
        return any(same_person(g.by, self.name) or (self.key is not None and g.key == self.key)
                   or any(same_person(g.by, pusher) for pusher in self.pushers) for g in given)


async def requester_of(store: ReleaseReads, release: Release) -> Requester:
    """The release's requester, with their key and the pusher from its `requested` event (the folded one, not a
    conflicting twin): one read, as the pusher alone took before."""
    for stored in await store.history(release.id, [ReleaseState.REQUESTED]):
        if stored.note is None:
            details = stored.event.details
            key, pusher, earlier = details.get(REQUESTER_KEY), details.get(PUSHED_BY), details.get(PUSHED_AS)
            hooked = release.requested_by in {hook_requester(source) for source in HOOK_SOURCES}
            key = key if isinstance(key, str) else None
            if not hooked:  # only a hook's release has a pusher; another's details are not read for one
                return Requester(release.requested_by, key)
            pushed_as = tuple(n for n in earlier if isinstance(n, str)) if isinstance(earlier, list) else ()
            return Requester(release.requested_by, key, pusher if isinstance(pusher, str) else None, pushed_as)
    return Requester(release.requested_by)
