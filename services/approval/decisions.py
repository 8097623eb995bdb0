"""Deciding on a release awaiting approval: the gate's read, four eyes, the policy's soak, expiry and count of
approvals, then one `approved` or `rejected` recorded and published; a repeat answered as it was, anyone else 409."""

from __future__ import annotations

from datetime import datetime

import structlog
from prometheus_client import Histogram

from services.approval.approvals import Approvals
from services.approval.auth import Identity
from services.approval.clock import Clock
from services.approval.decision_made import DECISIONS, Decided, decision_details, decision_made
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


class DecisionDesk(RecordingDesk):
    settings: ApprovalSettings
    clock: Clock
    approvals: Approvals
    approval_wait: Histogram

    async def decide(self, release_id: str, decision: ReleaseState, comment: str | None, caller: Identity) -> Release:
        return (await self.decision(release_id, decision, comment, caller)).release

    async def decision(self, release_id: str, decision: ReleaseState, comment: str | None, caller: Identity) -> Decided:
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
        counted, given_at = None, None
        if decision is ReleaseState.APPROVED:
            check_soak(policy, waiting, self.clock.now())
            check_expiry(policy, waiting, self.clock.now())
            if policy.required_approvals > 1:
                given_at = self.clock.now()  # its ledger row: withdrawn if another decision wins (not a repeat's first)
                try:
                    given = await count_approval(self.approvals, self.bus, policy, waiting, caller.name, comment,
                                                 given_at, caller.key)
                except Conflict as refused:  # its end heard, not folded yet (quorum.py)
                    return Decided(await self._not_made(refused, waiting, decision, caller, None))
                if given is None:
                    if (now := await self._decided_meanwhile(waiting, caller, given_at)) is not None:
                        return Decided(now)
                    log.info("approval counted", release=release_id, by=caller.name, required=policy.required_approvals)
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
        except (Conflict, SameChange) as refused:  # a concurrent request decided first, or the release's end heard
            return Decided(await self._not_made(refused, waiting, decision, caller, given_at))
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
        made = decision_made(await self.store.history(release.id))
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

    async def _not_made(self, refused: Exception, waiting: ReleaseEvent, decision: ReleaseState, caller: Identity,
                        given_at: datetime | None) -> Release:
        """A late decision's answer: another's record, or a heard end once folded (else `refused`: twins never are)."""
        heard_end = isinstance(refused, Conflict) and not isinstance(refused, ChangedMeanwhile)
        if heard_end and self.bus.ended.ending(waiting.release_id) is None:
            raise refused
        now = await self.folded_after(waiting) if heard_end else await self.get(waiting.release_id)
        if now is None:
            if given_at:  # the release ended: whatever decided it, not this approval
                await self.approvals.withdraw(waiting.release_id, caller.name, given_at)
            raise refused
        return await self._late(now, decision, caller, given_at)

    async def _decided_meanwhile(self, waiting: ReleaseEvent, caller: Identity, given_at: datetime) -> Release | None:
        """A late decision's answer when the release moved on while the approval was recorded, not "1 of 2 given"."""
        latest = await self.store.latest(waiting.release_id)
        if latest is None or latest.seq <= waiting.seq:  # still waiting (or, unfolded, not yet read back as waiting)
            return None
        return await self._late(latest.release, ReleaseState.APPROVED, caller, given_at)

    async def _late(self, now: Release, decision: ReleaseState, caller: Identity, given_at: datetime | None) -> Release:
        """`_repeat_or_refuse`; the caller's approval withdrawn unless the decision counted it (an expiry did not)."""
        made = decision_made(await self.store.history(now.id))
        if given_at and (made is None or not made.theirs(decision, caller)):
            await self.approvals.withdraw(now.id, caller.name, given_at)
        return await self._repeat_or_refuse(now, decision, caller)
