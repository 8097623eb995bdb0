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
from collections.abc import Callable, Iterable

import structlog
from aiohttp import web
from prometheus_client import Histogram

from services.approval.auth import Identity
from services.approval.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.approval.models import FieldError, ReleaseRequest
from services.approval.resolver import RefResolver
from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState
from services.shared.release import Release
from services.shared.sources import UnsafeSource, check_ref, check_repository
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
            if release.state != ReleaseState.AWAITING_APPROVAL:
                return self._repeat_or_refuse(release, decision, caller)
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
            refusal = rollback_refusal(live, self.store.get, self.store.of_app(app))
            if refusal is not None:
                raise Conflict(f"{app} cannot be rolled back: {refusal}.", state=live.state)
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

    def _repeat_or_refuse(self, release: Release, decision: ReleaseState, caller: Identity) -> Release:
        """A decision on a release no longer awaiting approval: the same person repeating the same
        decision (a retried request) gets the release as it is NOW; anyone else gets 409 saying who
        decided what, so a late approver never reads "approved" for a decision that was not theirs."""
        made = self._decision_made(release)
        if made == (decision, caller.name):
            return release
        if made is None:
            raise Conflict(f"The release is {release.state.value}, not awaiting approval.", state=release.state)
        raise Conflict(f"The release was already {made[0].value} by {made[1]}; it is now {release.state.value}.",
                       state=release.state, decision=made[0], decided_by=made[1])

    def _decision_made(self, release: Release) -> tuple[ReleaseState, str] | None:
        """The decision on the release and who made it, from the log or as remembered after publishing."""
        for logged in self.store.history.get(release.id, ()):
            if logged.event.state in DECISIONS:
                return logged.event.state, logged.event.actor
        if release.state in DECISIONS:
            return release.state, release.approver or "unknown"
        return None

    def _latest(self, release: Release) -> ReleaseEvent:
        history = self.store.history.get(release.id)
        if not history or history[-1].event.seq != release.seq:
            # Our own write is not back from the log yet; the next event must follow the logged one.
            raise Conflict("The release is changing right now; retry in a moment.", state=release.state)
        return history[-1].event


DESK = web.AppKey("desk", ReleaseDesk)


def rollback_refusal(live: Release, get: Callable[[str], Release | None], of_app: Iterable[Release]) -> str | None:
    """Why the switcher would refuse to roll `live` back, known from the release state alone, or None.

    The same checks as `services/switcher/rollback.py`, made here so the caller hears the reason at once
    (409) instead of a 202 followed by a refusal in the background. Only reads releases, so it ports to
    the database store by awaiting `get` and `of_app`.
    """
    colour, previous_id = live.standby_colour, live.previous_release
    if colour is None or previous_id is None:
        return f"release {live.id} is the first release of {live.app}, there is nothing to go back to"
    previous = get(previous_id)
    if previous is None or previous.state is not ReleaseState.SUPERSEDED:
        now = previous.state.value if previous is not None else "unknown"
        return f"the previous release {previous_id} is {now} and cannot go live again"
    # A later release that reached the cluster was staged on the only other colour: what ran there is gone.
    reused = next((r for r in of_app if r.id not in (live.id, previous_id) and r.created_at > live.created_at
                   and (r.standby_colour is not None or (r.error is not None and r.error.step == "deploy"))),
                  None)
    if reused is not None:
        return (f"the {colour.other.value} colour no longer runs release {previous_id}: "
                f"release {reused.id} was staged on it since")
    return None


def _invalid(field: str, reason: str) -> Unprocessable:
    return Unprocessable.of_fields([FieldError(loc=["body", field], msg=reason)])
