"""Deciding on a release awaiting approval: the gate's read, four eyes, the policy's soak, expiry and count of
approvals, then one `approved` or `rejected` recorded and published; a repeat answered as it was, anyone else 409."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from prometheus_client import Histogram

from services.approval.approvals import Approvals
from services.approval.auth import Identity
from services.approval.clock import Clock
from services.approval.decision_made import DECISIONS, Made, decision_details, decision_made
from services.approval.desk_records import RecordingDesk
from services.approval.echoes import ChangedMeanwhile
from services.approval.errors import Conflict, Forbidden, NotFound
from services.approval.four_eyes import Requester, requester_of
from services.approval.gate import at_gate, refusing_newer
from services.approval.policy import policy_of
from services.approval.quorum import check_expiry, check_soak, count_approval, policy_record
from services.approval.settings import ApprovalSettings
from services.shared.db.fold import SameChange
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Release

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Decided:
    release: Release  # as the decision left it, or as it is now when no decision was published
    # The events its approval status is made of, when this call published the decision: no read needed.
    gate: tuple[ReleaseEvent, ...] | None = None


class DecisionDesk(RecordingDesk):
    settings: ApprovalSettings
    clock: Clock
    approvals: Approvals
    approval_wait: Histogram

    async def decide(self, release_id: str, decision: ReleaseState, comment: str | None,
                     caller: Identity) -> Release:
        return (await self.decision(release_id, decision, comment, caller)).release

    async def decision(self, release_id: str, decision: ReleaseState, comment: str | None,
                       caller: Identity) -> Decided:
        """Publish `approved` or `rejected`. Effect check: a release no longer awaiting approval publishes
        nothing; the same person repeating the same decision is answered with the release as it is now,
        anyone else with 409 naming the decision and who made it; 409 too for a release a newer Greenlight left in
        a state this version does not know (gate.py). Its stored row is not read here: one more read on every approval,
        for a row only a newer fold could write in a newer shape from events this version reads."""
        async with refusing_newer(self.store, release_id):
            return await self._decision(release_id, decision, comment, caller)

    async def _decision(self, release_id: str, decision: ReleaseState, comment: str | None,
                        caller: Identity) -> Decided:
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
        counted = None
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
                counted = given
                # The requester's (or pusher's) own approval in the count got there only by the admin override: the
                # decision keeps saying so, whoever gives the last approval.
                override = override or requester.among(given)
                details["admin_override"] = override
        decision_details(details, caller, counted)
        event = waiting.next(decision, actor=caller.name, details=details,
                             approver=caller.name, comment=comment, admin_override=override)
        try:
            await self.publish(event, ahead=ahead)
        except (SameChange, ChangedMeanwhile):  # a concurrent request decided first: whose, and where is it now
            return Decided(await self._repeat_or_refuse(await self.get(release_id), decision, caller))
        log.info("decision recorded", release=release_id, decision=decision.value, by=caller.name,
                 admin_override=override)
        waited = (event.occurred_at - waiting.occurred_at).total_seconds()
        self.approval_wait.labels(decision.value).observe(max(waited, 0.0))
        return Decided(event.release, (waiting, event))

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
        if made is not None and made.theirs(decision, caller):
            await self.echo(release, now=True)
            return release
        if made is None and release.state is ReleaseState.AWAITING_APPROVAL:  # the decision that won was undone
            raise ChangedMeanwhile("The release changed meanwhile (a decision made at the same moment was not "
                                   "published); retry.", state=release.state)
        if made is None:
            raise Conflict(f"The release is {release.state.value}, not awaiting approval.", state=release.state)
        raise Conflict(f"The release was already {made.decision.value} by {made.by}; it is now "
                       f"{release.state.value}.", state=release.state, decision=made.decision, decided_by=made.by)

    async def _decided_meanwhile(self, waiting: ReleaseEvent, caller: Identity) -> Release | None:
        """The release as it is now, answered as to a late decision, when it moved on while `caller`'s approval was
        recorded (read before): not "1 of 2 given, awaiting approval" for a release someone rejected in between.
        The approval is then not kept, unless the approval that completed the count counted it."""
        latest = await self.store.latest(waiting.release_id)
        if latest is None or latest.seq <= waiting.seq:  # still waiting (or, unfolded, not yet read back as waiting)
            return None
        made = await self._decision_made(latest.release)
        if made is None or not made.theirs(ReleaseState.APPROVED, caller):
            # Not counted: a rejection, or an approval that did not need this one (the policy's auto-promotion).
            await self.approvals.withdraw(waiting.release_id, caller.name)
        return await self._repeat_or_refuse(latest.release, ReleaseState.APPROVED, caller)

    async def _decision_made(self, release: Release) -> Made | None:
        return decision_made(await self.store.history(release.id))
