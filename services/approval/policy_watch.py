"""The approval policy's own actions, on the approval service's work queue: when a release is ready for
approval, park its expiry and auto-promotion timers (policy_timers.py), or approve a rollback-to-release
whose request was its approval (one whose checks did not pass, or whose requester may no longer approve, is left
to a person: timers, as for any other);
when a timer comes back, reject the release as expired or promote it.

Idempotent: a timer whose release was decided meanwhile does nothing; a decision is recorded in the database
before it is published (policy_decisions.py), so a person's decision and the policy's, or two replicas', cannot
both be made; a decision of ours that the log has not echoed (the publish failed after the record) is published
again on the redelivery. A timer that comes back before the injected clock says it is due is parked again for the
rest; one shortened meanwhile is parked anew at start-up (policy_rearm.py). A timer of a release a newer Greenlight
moved on with an event this version cannot read does nothing but say so (one warning line, outcome `newer`): raising
there was redelivered, given up, and the give-up published `failed`.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from aiohttp import web

from services.approval.approvals import approver_names
from services.approval.gate import UnknownHere, latest_known
from services.approval.handlers import DESK, ReleaseDesk
from services.approval.hook_claims import Claims
from services.approval.hooks import HOOK_SETTINGS
from services.approval.policy import analysis_passed, check_approvers_suffice, policy_of
from services.approval.policy_decisions import ACTOR, decide
from services.approval.policy_outcomes import TimerOutcomes
from services.approval.policy_timers import EXPIRE, PROMOTE, TIMER, TIMER_KEY, PolicyTimers
from services.approval.route_inputs import TOKENS
from services.shared.bus import Bus
from services.shared.consumer import Retry, Subscription
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import WORK_QUEUES, ReleaseState
from services.shared.runtime import BUS

log = structlog.get_logger(__name__)
SERVICE = "approval"


class PolicyWatch(TimerOutcomes):
    def __init__(self, desk: ReleaseDesk, timers: PolicyTimers) -> None:
        super().__init__()  # what the timers did (policy_outcomes.py)
        self.desk = desk
        self.timers = timers

    async def __call__(self, event: ReleaseEvent, bus: Bus) -> None:
        policy = policy_of(event.release, self.desk.settings.policy)
        approve_now = event.release.restores is not None and not policy.rollback_needs_approval
        if TIMER not in event.details and not approve_now:
            await self._set_timers(event)  # from the event alone: each timer checks the release when it fires
            return
        try:
            latest = await latest_known(self.desk.store, event.release_id)
        except UnknownHere as exc:  # moved on by a newer Greenlight: not redelivered, nor given up (`failed`)
            log.warning("policy timer of a release left to a newer Greenlight; ignored", release=event.release_id,
                        unknown=exc.why)
            await self._count("newer")
            return
        if latest is None or latest.seq < event.seq:
            raise Retry("the release log has not caught up with this release yet", dependency="release log")
        if latest.seq > event.seq or latest.state is not ReleaseState.AWAITING_APPROVAL:
            if latest.seq == event.seq + 1 and (latest.actor == ACTOR or "rollback_to" in latest.details):
                await self.desk.echo(latest.release, now=True)  # our decision: published at least once
            if TIMER in event.details:
                await self._count("decided")
            return  # decided meanwhile
        if TIMER in event.details:
            await self._timer(latest, event.details[TIMER])
            return
        who, restores = latest.release.requested_by, latest.release.restores
        if not analysis_passed(latest.details):
            log.info("rollback not approved by its request: a check did not pass", release=latest.release_id)
            # A person decides, so the policy bounds the wait as for any release awaiting approval.
            await self._set_timers(latest)
            return
        if not self.desk.approvals.may_approve(who):
            # The request stood for an approval while its maker held the approver role: a token removed since (say,
            # revoked as leaked) approves nothing, as its approval in a count no longer counts (approvals.py).
            log.warning("rollback not approved by its request: its requester may no longer approve",
                        release=latest.release_id, requester=who)
            await self._set_timers(latest)
            return
        await decide(self.desk, latest, ReleaseState.APPROVED, who, {
            "comment": f"rollback to release {restores}: the request by {who} is its approval",
            "rollback_to": restores})

    def dues(self, waiting: ReleaseEvent) -> list[tuple[str, datetime]]:
        """The timers the policy in force asks for, for the release waiting since `waiting`: (kind, due)."""
        policy = policy_of(waiting.release, self.desk.settings.policy)
        dues = ((EXPIRE, policy.expires(waiting.occurred_at)), (PROMOTE, policy.promotes(waiting.occurred_at)))
        return [(kind, due) for kind, due in dues if due is not None]

    async def _set_timers(self, waiting: ReleaseEvent) -> None:
        now = self.desk.clock.now()
        for kind, due in self.dues(waiting):
            await self.timers.park(waiting, kind, due, now)
            log.info("policy timer set", release=waiting.release_id, timer=kind, due=due.isoformat())
            await self._count("set")

    async def _timer(self, waiting: ReleaseEvent, kind: str) -> None:
        # Due by the policy in force now, not the one the timer was parked with: the operator's bounds may have
        # changed since (a restart with other GREENLIGHT_API_POLICY_*), and a person's approval and the API's
        # `approval` read this one; a soak raised meanwhile must hold a promotion parked before.
        policy = policy_of(waiting.release, self.desk.settings.policy)
        due = dict(self.dues(waiting)).get(kind)
        if due is None:
            await self._count("dropped")  # the policy in force has no such timer any more
            return
        now = self.desk.clock.now()
        if now < due:
            await self.timers.park(waiting, kind, due, now)
            await self._count("early")
            return
        expires = policy.expires(waiting.occurred_at)
        if kind == PROMOTE and expires is not None and now >= expires:
            # Expired first (the operator's maximum expiry can come before the app's promotion) and its timer is
            # late: what is due is the expiry. A person's approval is refused by then too (quorum.check_expiry).
            kind = EXPIRE
        if kind == EXPIRE and policy.expiry is not None:
            reason = (f"expired: no decision within {policy.expiry.total_seconds():g} s of being ready "
                      f"(approval policy)")
            made = await decide(self.desk, waiting, ReleaseState.REJECTED, ACTOR, {"comment": reason, "expired": True})
            await self._count("expired" if made else "decided")
        elif kind == PROMOTE and policy.auto_promotion is not None:
            if not analysis_passed(waiting.details):
                log.info("not auto-promoted: a check did not pass", release=waiting.release_id)
                await self._count("held")
                return
            comment = (f"auto-promoted {policy.auto_promotion.total_seconds():g} s after being ready: "
                       f"every check passed (approval policy)")
            made = await decide(self.desk, waiting, ReleaseState.APPROVED, ACTOR,
                                      {"comment": comment, "auto_promoted": True})
            await self._count("promoted" if made else "decided")


POLICY_WATCH = web.AppKey("policy_watch", PolicyWatch)


def policy_subscription(app: web.Application) -> Subscription:
    """The approval service's work queue; the watch is kept under POLICY_WATCH (after the desk exists). Not started
    where the operator's minimum of approvals is more than the people who may approve: none could be approved."""
    check_approvers_suffice(app[DESK].settings.policy, approver_names(app[TOKENS], app[HOOK_SETTINGS]))
    timers = PolicyTimers(app[BUS], Claims(app[DATABASE].engine, app[HOOK_SETTINGS].claim_retention))
    app[POLICY_WATCH] = watch = PolicyWatch(app[DESK], timers)
    return Subscription(SERVICE, WORK_QUEUES[SERVICE], watch, skip_ended=False, extra_routing_keys=(TIMER_KEY,))
