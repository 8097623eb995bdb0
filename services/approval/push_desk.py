"""A verified push -> a release of its commit, at most once per delivery and once per commit.

In flight: the 409 rule, as for `POST /releases`. The hook answers 409 and claims nothing, so the
provider shows the delivery as failed and its redelivery (same delivery id), or the next push, is
acted on once the app is free. Queueing the newest push was the alternative; it was not taken because
a release should be of a commit someone chose to ship now, and a queued one would start hours later
unattended. A commit is released by a hook once: a failed one is retried through the API.
The pushed commit must still be the head of the branch (`git ls-remote`): a late delivery of an older
push does not release a commit the branch has already moved past.

Who pushed (the verified payload's account id or login, mapped by GREENLIGHT_HOOKS_GIT_USERS: hook_pushers.py) goes
into the `requested` event's details as `pushed_by`, with `pusher` {host, login, id} and the account's `pusher_key`
for the record; the no-self-approval rule refuses them as it refuses a requester (policy.py). The release stays
requested by `<host>-webhook`: that is who asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from services.approval.auth import Identity
from services.approval.errors import ApiError
from services.approval.handlers import ReleaseDesk
from services.approval.hook_claims import Claims
from services.approval.hook_pusher_names import pusher_details
from services.approval.hook_pushers import Pusher
from services.approval.hook_settings import HookApp, HookSettings
from services.approval.models import ReleaseRequest
from services.approval.policy import GitHost, hook_requester
from services.approval.settings import Role
from services.shared.db.json_text import json_text
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import releases
from services.shared.git_target import SourceTimeout
from services.shared.protocol import ReleaseState
from services.shared.sources import NoSuchRef, SourceNotAllowed, UnsafeSource

NO_COMMIT = "0" * 40  # `after` of a branch deletion


@dataclass(frozen=True)
class Push:
    source: GitHost
    delivery: str
    ref: str
    after: str
    repositories: tuple[str, ...]
    pusher: Pusher | None = None  # from the verified payload


# A row older code wrote during a rolling upgrade has no commit_sha until its next event: its snapshot's `commit` is
# read instead, as text, as a newer Greenlight's snapshot is (never validated: this version may not know its state).
_SNAPSHOT_COMMIT = json_text(releases.c.snapshot, "commit")
_NOT_RELEASED = [ReleaseState.FAILED.value, ReleaseState.REJECTED.value]


def released_query(app: str, commit: str) -> sa.CompoundSelect[tuple[str, Any]]:
    """The earliest release of `commit` of `app` that did not fail or get rejected: read through releases_by_app_commit
    (migration 0016), the releases of that commit and the rows without one, not every release of the app. Two
    selects, not one with an OR: SQLite read every release of the app for that (by releases_by_app)."""
    of_app = (releases.c.app == app, releases.c.state.not_in(_NOT_RELEASED))
    of_commit = sa.select(releases.c.id, releases.c.created_at).where(*of_app, releases.c.commit_sha == commit)
    unfilled = sa.select(releases.c.id, releases.c.created_at).where(
        *of_app, releases.c.commit_sha.is_(None), _SNAPSHOT_COMMIT == commit)
    return sa.union_all(of_commit, unfilled).order_by(sa.literal_column("created_at"), sa.literal_column("id")).limit(1)


async def released_commit(database: ReleaseDatabase, app: str, commit: str) -> str | None:
    """The release of `commit` of `app` that did not fail or get rejected, if any (the earliest, if several)."""
    async with database.engine.connect() as connection:
        return (await connection.execute(released_query(app, commit))).scalars().first()


class PushDesk:
    def __init__(self, desk: ReleaseDesk, store: ReleaseDatabase, claims: Claims, settings: HookSettings) -> None:
        self.desk = desk
        self.store = store
        self.claims = claims
        self.settings = settings

    async def push(self, push: Push) -> tuple[int, list[dict[str, Any]]]:
        """(HTTP status, one result per app the push concerns)."""
        targets = [a for a in self.settings.apps
                   if push.ref == f"refs/heads/{a.branch}" and any(a.names(r) for r in push.repositories)]
        if not targets:
            return 200, [{"outcome": "ignored", "reason": "no app is released from this repository and branch"}]
        if push.after == NO_COMMIT:
            return 200, [{"outcome": "ignored", "reason": "the branch was deleted"}]
        delivery = f"delivery:{push.source}:{push.delivery}"
        if not await self.claims.claim(delivery):
            return 200, [{"outcome": "duplicate", "reason": "this delivery was acted on already"}]
        try:
            results = [await self._release(target, push) for target in targets]
        except BaseException:
            await self.claims.release(delivery)
            raise
        return (202 if any(r["outcome"] == "released" for r in results) else 200), results

    async def _release(self, target: HookApp, push: Push) -> dict[str, Any]:
        done = {"app": target.app, "outcome": "already_released", "reason": "this commit was released already"}
        if (earlier := await released_commit(self.store, target.app, push.after)) is not None:
            return {**done, "release": earlier}
        key = f"commit:{target.app}:{push.after}"
        if not await self.claims.claim(key):
            return done  # another replica (or delivery) is releasing it right now
        try:
            try:
                head = await self.desk.resolver.resolve(target.repository, target.branch)
            except NoSuchRef:  # deleted since the push (a late or resent delivery): as one whose branch moved on
                await self.claims.release(key)
                return {"app": target.app, "outcome": "ignored", "reason": f"{target.branch} no longer exists"}
            except SourceNotAllowed as exc:  # the operator's policy on the configured repository: says why, no URL
                raise ApiError(f"{target.app}'s repository is refused: {exc}.", status=502) from None
            except UnsafeSource:  # its message may name the repository's URL, credentials and all
                raise ApiError(f"Cannot read {target.branch} of {target.app}'s repository.", status=502) from None
            except SourceTimeout:
                raise ApiError(f"{target.app}'s repository did not answer in time.", status=504) from None
            if head != push.after:
                await self.claims.release(key)
                return {"app": target.app, "outcome": "ignored", "reason": f"{target.branch} has moved on to {head}"}
            ask = ReleaseRequest(app=target.app, repository=target.repository, commit=push.after)
            release = await self.desk.request(ask, Identity(hook_requester(push.source), frozenset({Role.REQUESTER})),
                                              details=await self._pushed_by(push))
        except BaseException:
            await self.claims.release(key)
            raise
        return {"app": target.app, "outcome": "released", "release": release.id}

    async def _pushed_by(self, push: Push) -> dict[str, object]:
        if push.pusher is None:
            return {}
        return await pusher_details(self.store.engine, push.pusher, self.settings.git_users.get(push.source, {}))
