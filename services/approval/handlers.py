"""The service's commands: request a release, decide on one, roll an app back; each publishes one event.

One asyncio.Lock per app serialises check + publish + `store.remember` in this process, so of many
concurrent requests for one app exactly one is accepted and the rest find it in flight (409). A publish
whose confirm times out (503) may still reach the log; a retry then meets the release in flight or the
decision already made (each method's docstring says how it checks), never a second event.

Several replicas give the same answers to reads (each folds the same log), but this lock is per process:
two replicas could both accept a release of one app within the log's echo delay. Running several writers
would need one owner per app for commands, e.g. a single-active-consumer command queue per app or a lease
in a shared store, or a fold rule that the first `requested` in log order wins and later ones fail.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import structlog
from aiohttp import web
from prometheus_client import Histogram

from services.approval.auth import Identity
from services.approval.errors import ApiError, Conflict, Forbidden, NotFound, Unprocessable
from services.approval.models import FieldError, ReleaseRequest
from services.approval.resolver import RefResolver
from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState
from services.shared.release import Release
from services.shared.sources import GitUnavailable, UnsafeSource, check_ref, check_repository
from services.shared.store import ReleaseStore

log = structlog.get_logger(__name__)
DECISIONS = (ReleaseState.APPROVED, ReleaseState.REJECTED)


class ReleaseDesk:
    def __init__(self, bus: Bus, store: ReleaseStore, resolver: RefResolver, settings: ApprovalSettings,
                 approval_wait: Histogram) -> None:
        self.bus = bus
        self.store = store
        self.resolver = resolver
        self.settings = settings
        self.approval_wait = approval_wait
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def request(self, ask: ReleaseRequest, caller: Identity) -> Release:
        """Publish `requested`. Effect check: a release of the app already in flight, logged or
        remembered, answers 409 naming it, so a retried POST cannot start a second release."""
        self._check_free(ask.app)  # before a git round trip that would be wasted
        try:
            repository = check_repository(ask.repository, allow_local=self.settings.allow_local_repos)
        except UnsafeSource as exc:
            raise _invalid("repository", str(exc)) from None
        try:
            commit = await self.resolver.resolve(repository, check_ref(ask.commit))
        except UnsafeSource as exc:
            raise _invalid("commit", str(exc)) from None
        except GitUnavailable as exc:  # the server's trouble, not the request's: "try again", not 422
            raise ApiError(f"{exc}; try again shortly", status=503, headers={"Retry-After": "10"}) from None
        release = Release(id=uuid.uuid4().hex, app=ask.app, repository=repository, commit=commit,
                          ref=ask.commit, requested_by=caller.name)
        async with self._locks[ask.app]:
            self._check_free(ask.app)
            await self._publish(first_event(release, actor=caller.name))
        log.info("release requested", release=release.id, app=release.app, commit=commit, by=caller.name)
        return release

    async def decide(self, release_id: str, decision: ReleaseState, comment: str | None,
                     caller: Identity) -> Release:
        """Publish `approved` or `rejected`. Effect check: the same decision already in the release's
        history (or remembered) is answered again from its snapshot, publishing nothing."""
        assert decision in DECISIONS
        async with self._locks[self._get(release_id).app]:
            release = self._get(release_id)
            override = self._self_review(release, caller, decision)
            earlier = self._decided(release, decision)
            if earlier is not None:
                return earlier
            if release.state != ReleaseState.AWAITING_APPROVAL:
                raise Conflict(f"The release is {release.state.value}, not awaiting approval.",
                               state=release.state)
            waiting = self._latest(release)
            event = waiting.next(decision, actor=caller.name,
                                 details={"comment": comment, "admin_override": override},
                                 approver=caller.name, comment=comment, admin_override=override)
            await self._publish(event)
        log.info("decision recorded", release=release_id, decision=decision.value, by=caller.name,
                 admin_override=override)
        waited = (event.occurred_at - waiting.occurred_at).total_seconds()
        self.approval_wait.labels(decision.value).observe(max(waited, 0.0))
        return event.release

    async def rollback(self, app: str, reason: str, caller: Identity) -> Release:
        """Publish `rolling_back` for the live release. Effect check: once it is rolling back the app has
        no live release, so a repeat answers 409 instead of publishing again."""
        async with self._locks[app]:
            self._check_free(app)
            live = self.store.live(app)
            if live is None:
                raise Conflict(f"{app} has no live release to roll back.")
            event = self._latest(live).next(ReleaseState.ROLLING_BACK, actor=caller.name,
                                            details={"reason": reason})
            await self._publish(event)
        log.info("rollback requested", release=live.id, app=app, by=caller.name)
        return event.release

    async def _publish(self, event: ReleaseEvent) -> None:
        await self.bus.publish(event)
        self.store.remember(event)  # so the caller's next read sees its own write

    def _get(self, release_id: str) -> Release:
        release = self.store.get(release_id)
        if release is None:
            raise NotFound("There is no release with that id.")
        return release

    def _check_free(self, app: str) -> None:
        blocking = self.store.in_flight(app)
        if blocking is not None:
            raise Conflict(f"Release {blocking.id} of {app} is still in flight ({blocking.state.value}).",
                           state=blocking.state, blocking_release=blocking.id)

    def _self_review(self, release: Release, caller: Identity, decision: ReleaseState) -> bool:
        """Whether this is an admin override; refuses a requester deciding on their own release."""
        if caller.name != release.requested_by:
            return False
        if self.settings.allow_admin_self_approval and caller.is_admin:
            return True
        verb = "approve" if decision == ReleaseState.APPROVED else "reject"
        raise Forbidden(f"{caller.name} requested this release, so someone else must {verb} it.")

    def _decided(self, release: Release, decision: ReleaseState) -> Release | None:
        """The snapshot of the same decision made earlier, from the log or as remembered after publishing."""
        for logged in self.store.history.get(release.id, ()):
            if logged.event.state == decision:
                return logged.event.release
        return release if release.state == decision else None

    def _latest(self, release: Release) -> ReleaseEvent:
        history = self.store.history.get(release.id)
        if not history or history[-1].event.seq != release.seq:
            # Our own write is not back from the log yet; the next event must follow the logged one.
            raise Conflict("The release is changing right now; retry in a moment.", state=release.state)
        return history[-1].event


DESK = web.AppKey("desk", ReleaseDesk)


def _invalid(field: str, reason: str) -> Unprocessable:
    return Unprocessable.of_fields([FieldError(loc=["body", field], msg=reason)])
