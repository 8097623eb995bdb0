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
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import releases
from services.shared.git_target import SourceTimeout
from services.shared.protocol import ReleaseState
from services.shared.release import Release
from services.shared.sources import UnsafeSource

NO_COMMIT = "0" * 40  # `after` of a branch deletion


@dataclass(frozen=True)
class Push:
    source: GitHost
    delivery: str
    ref: str
    after: str
    repositories: tuple[str, ...]
    pusher: Pusher | None = None  # from the verified payload


async def released_commit(database: ReleaseDatabase, app: str, commit: str) -> str | None:
    """The release of `commit` of `app` that did not fail or get rejected, if any. Reads the app's snapshots:
    the releases table has no commit column (one would make this a single indexed lookup)."""
    query = sa.select(releases.c.snapshot).where(
        releases.c.app == app, releases.c.state.not_in([ReleaseState.FAILED.value, ReleaseState.REJECTED.value]))
    async with database.engine.connect() as connection:
        for snapshot in (await connection.execute(query)).scalars():
            release = Release.model_validate_json(snapshot)
            if release.commit == commit:
                return release.id
    return None


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
