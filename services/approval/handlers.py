"""The service's commands: request a release, decide on one; each publishes one event. The other commands
(rollback.py, restore.py, abort.py, the approval policy's watch) publish through the same desk.

Every command records its event in the database *before* publishing it (`ReleaseDatabase.record`, strict), and
the database decides races whatever the number of API replicas: one release in flight per app is a partial
unique index, and an event's (release, seq) is unique, so of two concurrent decisions or requests exactly one
is recorded and the other answers 409. A publish the broker refused undoes its record (`forget`) and answers 503;
one that may have been delivered (confirm timeout, lost connection, cancelled request) keeps it, and the next
request that meets it unechoed publishes it again (`echo`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

import aio_pika
import structlog
from aiohttp import web
from prometheus_client import Histogram

from services.approval.app_names import AppNames
from services.approval.approvals import Approvals
from services.approval.auth import Identity
from services.approval.clock import Clock, SystemClock
from services.approval.errors import Conflict, Forbidden, NotFound
from services.approval.four_eyes import Requester, requester_of, with_requester_key
from services.approval.gate import at_gate
from services.approval.models import ReleaseRequest
from services.approval.policy import policy_of
from services.approval.promotion import check_request_fields, promoted_release, source_release
from services.approval.quorum import check_expiry, check_soak, count_approval, policy_record
from services.approval.resolver import RefResolver
from services.approval.settings import ApprovalSettings
from services.approval.source_check import source_of
from services.shared.bus import Bus, PublishFailed
from services.shared.db.fold import AppBusy, Item, SameChange, StaleWrite
from services.shared.db.releases import ReleaseDatabase
from services.shared.ended import ENDINGS, ReleaseEnded
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState
from services.shared.release import SHA_RE, Release, utcnow
from services.shared.repo_policy import RepositoryPolicy

log = structlog.get_logger(__name__)
DECISIONS = (ReleaseState.APPROVED, ReleaseState.REJECTED)


@dataclass(frozen=True)
class Decided:
    release: Release  # as the decision left it, or as it is now when no decision was published
    # The events its approval status is made of, when this call published the decision: no read needed.
    gate: tuple[ReleaseEvent, ...] | None = None


class ReleaseDesk:
    def __init__(self, bus: Bus, store: ReleaseDatabase, resolver: RefResolver, settings: ApprovalSettings,
                 approval_wait: Histogram, clock: Clock | None = None) -> None:
        self.bus = bus
        self.store = store
        self.clock = clock or SystemClock()
        self.approvals = Approvals(store.engine)
        self.resolver = resolver
        self.settings = settings
        self.approval_wait = approval_wait
        self.policy = RepositoryPolicy(settings.repository.allow)
        self.app_names = AppNames(store)
        self._unechoed_after = timedelta(seconds=settings.unechoed_after)

    async def request(self, ask: ReleaseRequest, caller: Identity,
                      details: Mapping[str, object] = MappingProxyType({})) -> Release:
        """Publish `requested`, with `details` added to its own (a git hook's: who pushed). Effect check: a release of
        the app already in flight (the database's one-in-flight index) answers 409 naming it, so a retried POST cannot
        start a second release."""
        check_request_fields(ask)
        await self.app_names.check(ask.app)
        if ask.from_release is not None or not SHA_RE.match(ask.commit or ""):
            # Before a git round trip that would be wasted. A full SHA makes none: the record below refuses a
            # second release in flight by itself, and saves every POST a read.
            await self.check_free(ask.app, caller)
        if ask.from_release is not None:
            source = await source_release(self.store, ask.app, ask.from_release)
            release = promoted_release(source, caller.name)
        else:
            release = await self._from_source(ask, caller)
        event = first_event(release, actor=caller.name)
        if ask.from_release is not None:
            details = {**details, "from_release": ask.from_release}
        elif release.image is None and (live := await self.store.live(release.app)) is not None:
            # Where the builder cuts what this release ships (DORA's lead time counts each commit of it).
            details = {**details, "live_commit": live.commit}
        details = with_requester_key(details, caller)  # four eyes by a key no rename changes; last: a summary cuts it
        if details:
            event = event.model_copy(update={"details": {**event.details, **details}})
        await self.publish(event, caller)
        log.info("release requested", release=release.id, app=release.app, commit=release.commit,
                 image=release.image, by=caller.name)
        return release

    async def _from_source(self, ask: ReleaseRequest, caller: Identity) -> Release:
        assert ask.repository is not None and ask.commit is not None  # check_request_fields
        repository, commit = await source_of(ask.repository, ask.commit, self.settings, self.policy, self.resolver)
        digest = ask.image.rsplit("@", 1)[1] if ask.image else None
        return Release(id=uuid.uuid4().hex, app=ask.app, repository=repository, commit=commit,
                       ref=ask.commit, requested_by=caller.name, image=ask.image, digest=digest)

    async def decide(self, release_id: str, decision: ReleaseState, comment: str | None,
                     caller: Identity) -> Release:
        return (await self.decision(release_id, decision, comment, caller)).release

    async def decision(self, release_id: str, decision: ReleaseState, comment: str | None,
                       caller: Identity) -> Decided:
        """Publish `approved` or `rejected`. Effect check: a release no longer awaiting approval publishes
        nothing; the same person repeating the same decision is answered with the release as it is now,
        anyone else with 409 naming the decision and who made it."""
        assert decision in DECISIONS
        # The release as of its latest event, read once: two reads (the release, then its event) could see a
        # concurrent decision or the switcher in between, and refuse a retried request as "changing right now".
        waiting, ahead = await at_gate(self.store, release_id, self.settings.gate_catch_up)
        if waiting is None:
            raise NotFound("There is no release with that id.")
        release = waiting.release
        requester = await requester_of(self.store, release)
        override = self._self_review(caller, decision, requester)
        if release.state != ReleaseState.AWAITING_APPROVAL:
            return Decided(await self._repeat_or_refuse(release, decision, caller))
        policy = policy_of(waiting.release, self.settings.policy)
        details: dict[str, object] = {"comment": comment, "admin_override": override, "policy": policy_record(policy)}
        if decision is ReleaseState.APPROVED:
            check_soak(policy, waiting, self.clock.now())
            check_expiry(policy, waiting, self.clock.now())
            if policy.required_approvals > 1:
                given = await count_approval(self.approvals, self.bus, policy, waiting, caller.name, comment,
                                             self.clock.now(), caller.key)
                if given is None:
                    if (now := await self._decided_meanwhile(waiting, caller)) is not None:
                        return Decided(now)
                    log.info("approval counted", release=release_id, by=caller.name,
                             required=policy.required_approvals)
                    return Decided(release)
                details["approvals"] = [g.by for g in given]
                # The requester's (or pusher's) own approval in the count got there only by the admin override: the
                # decision keeps saying so, whoever gives the last approval.
                override = override or requester.among(given)
                details["admin_override"] = override
        event = waiting.next(decision, actor=caller.name, details=details,
                             approver=caller.name, comment=comment, admin_override=override)
        try:
            await self.publish(event, ahead=ahead)
        except SameChange:  # a concurrent request made the same decision first: whose, and where is it now
            return Decided(await self._repeat_or_refuse(await self.get(release_id), decision, caller))
        log.info("decision recorded", release=release_id, decision=decision.value, by=caller.name,
                 admin_override=override)
        waited = (event.occurred_at - waiting.occurred_at).total_seconds()
        self.approval_wait.labels(decision.value).observe(max(waited, 0.0))
        return Decided(event.release, (waiting, event))

    async def publish(self, event: ReleaseEvent, caller: Identity | None = None,
                       ahead: Sequence[Item] = ()) -> None:
        """Record (after the log's events it continues, `ahead`), then publish; the record is what makes a
        concurrent second writer lose."""
        self._not_ended(event)
        for attempt in range(2):
            try:
                await self.store.record(event, strict=True, ahead=ahead)
                break
            except AppBusy:
                await self.check_free(event.app, caller)  # 409 naming the blocker; or its end was just folded
                if attempt:
                    raise Conflict(f"Another release of {event.app} is in flight.") from None
            except SameChange:
                raise
            except StaleWrite as exc:
                raise Conflict(f"The release changed meanwhile (it is {exc.state} now); reload and retry.",
                               state=ReleaseState(exc.state)) from None
        try:
            await self.bus.publish(event)
        except ReleaseEnded:  # its end heard since the check: refused before anything was sent
            await self.store.forget(event)
            self._not_ended(event)
            raise
        except PublishFailed as exc:
            # Only a nack or a return proves the log does not have it. A timeout, a lost connection or a
            # cancelled request may have delivered it: the record stays, and the next request that meets it
            # unechoed publishes it again (`echo`), which every consumer folds once (same message id).
            if isinstance(exc.__cause__, aio_pika.exceptions.DeliveryError):
                await self.store.forget(event)
            raise

    def _not_ended(self, event: ReleaseEvent) -> None:
        """409 for an event that would carry further a release this process heard end, though the read model shows
        it open: the log's ending of a seq the read model had already kept for another event (two replicas
        handed one message), which every service acts on. Was a 500, after the decision was recorded."""
        if (ended := self.bus.ended.ending(event.release_id)) is not None and event.state not in ENDINGS:
            raise Conflict(f"The release has {ended}: no {event.state.value} can follow.",
                           state=ReleaseState(ended))

    async def get(self, release_id: str) -> Release:
        release = await self.store.get(release_id)
        if release is None:
            raise NotFound("There is no release with that id.")
        return release

    async def check_free(self, app: str, caller: Identity | None = None) -> None:
        blocking = await self.store.in_flight(app)
        if blocking is not None and await self.store.settle(blocking.id):  # its end delivered, maybe not folded
            blocking = await self.store.in_flight(app)
        if blocking is not None:
            # The requester retrying (their first try answered 503 or never answered) gets it published now.
            await self.echo(blocking, now=caller is not None and caller.name == blocking.requested_by)
            raise Conflict(f"Release {blocking.id} of {app} is still in flight ({blocking.state.value}).",
                           state=blocking.state, blocking_release=blocking.id)

    async def echo(self, release: Release, *, now: bool = False) -> None:
        """Publish again what was recorded for the release but not echoed by the log within
        `unechoed_after` (its publish failed in a way that may or may not have delivered it, or the API
        stopped in between); the same message ids, so a copy that did arrive is folded once."""
        if not now and utcnow() - release.updated_at < self._unechoed_after:
            return
        for stored in await self.store.history(release.id):
            if stored.offset is None and stored.note is None:
                await self.bus.publish(stored.event)
                log.warning("published an unechoed event again", release=release.id, seq=stored.event.seq,
                            state=stored.event.state.value)

    def _self_review(self, caller: Identity, decision: ReleaseState, requester: Requester) -> bool:
        """Whether this is an admin override; refuses a requester (under any name their token has had since), or
        whoever pushed the commit a git hook released, deciding on their own release."""
        did = requester.own(caller)
        if did is None:
            return False
        if self.settings.allow_admin_self_approval and caller.is_admin:
            return True
        verb = "approve" if decision == ReleaseState.APPROVED else "reject"
        raise Forbidden(f"{caller.name} {did}, so someone else must {verb} it.")

    async def _repeat_or_refuse(self, release: Release, decision: ReleaseState, caller: Identity) -> Release:
        """A decision on a release no longer awaiting approval: the same person repeating the same
        decision (a retried request) gets the release as it is NOW; anyone else gets 409 saying who
        decided what, so a late approver never reads "approved" for a decision that was not theirs."""
        made = await self._decision_made(release)
        if made is not None and made[0] is decision is ReleaseState.APPROVED and caller.name in {
                given.by for given in await self.approvals.given(release.id)}:
            made = (decision, caller.name)  # one of several approvers: their approval counted
        if made == (decision, caller.name):
            await self.echo(release, now=True)
            return release
        if made is None:
            raise Conflict(f"The release is {release.state.value}, not awaiting approval.", state=release.state)
        raise Conflict(f"The release was already {made[0].value} by {made[1]}; it is now {release.state.value}.",
                       state=release.state, decision=made[0], decided_by=made[1])

    async def _decided_meanwhile(self, waiting: ReleaseEvent, caller: Identity) -> Release | None:
        """The release as it is now, answered as to a late decision, when it moved on while `caller`'s approval was
        recorded (read before): not "1 of 2 given, awaiting approval" for a release someone rejected in between.
        The approval is then not kept, unless the approval that completed the count counted it."""
        latest = await self.store.latest(waiting.release_id)
        if latest is None or latest.seq <= waiting.seq:  # still waiting (or, unfolded, not yet read back as waiting)
            return None
        made = await self._decision_made(latest.release)
        if made is None or made[0] is not ReleaseState.APPROVED:
            await self.approvals.withdraw(waiting.release_id, caller.name)
        return await self._repeat_or_refuse(latest.release, ReleaseState.APPROVED, caller)

    async def _decision_made(self, release: Release) -> tuple[ReleaseState, str] | None:
        """The decision recorded for the release and who made it."""
        for stored in await self.store.history(release.id):
            if stored.event.state in DECISIONS and stored.note is None:
                return stored.event.state, stored.event.actor
        return None

    async def latest_event(self, release: Release) -> ReleaseEvent:
        latest = await self.store.latest(release.id)
        if latest is None or latest.seq != release.seq:
            raise Conflict("The release is changing right now; retry in a moment.", state=release.state)
        return latest


DESK = web.AppKey("desk", ReleaseDesk)

