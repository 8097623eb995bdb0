"""Human decisions: approve or reject a staged release, roll an app back to its previous or an earlier release."""

from __future__ import annotations

from aiohttp import web

from services.approval.answers import ReleaseOut
from services.approval.errors import Unprocessable
from services.approval.handlers import DESK
from services.approval.models import DecisionRequest, RollbackRequest
from services.approval.params import AppPath, ReleasePath
from services.approval.quorum import approval_status
from services.approval.restore import rollback_to
from services.approval.rollback import rollback
from services.approval.routing import Call, reply
from services.shared.protocol import ReleaseState


async def approve_release(call: Call[ReleasePath, DecisionRequest]) -> web.StreamResponse:
    return await _decide(call, ReleaseState.APPROVED)


async def reject_release(call: Call[ReleasePath, DecisionRequest]) -> web.StreamResponse:
    return await _decide(call, ReleaseState.REJECTED)


async def _decide(call: Call[ReleasePath, DecisionRequest], decision: ReleaseState) -> web.StreamResponse:
    desk = call.request.app[DESK]
    if desk.settings.require_decision_comment and not (call.body.comment or "").strip():
        raise Unprocessable.of_body_field("comment", "a comment is required: say why")
    decided = await desk.decision(call.params.id, decision, call.body.comment, call.caller)
    gate = decided.gate
    if gate is None:  # nothing published by this call: the two events the status is made of, not the whole history
        stored = await desk.store.history(decided.release.id, (ReleaseState.AWAITING_APPROVAL, ReleaseState.APPROVED))
        gate = tuple(s.event for s in stored if s.note is None)
    approval = await approval_status(desk.approvals, desk.settings.policy, gate)
    return reply(ReleaseOut.of(decided.release, approval))


async def rollback_app(call: Call[AppPath, RollbackRequest]) -> web.StreamResponse:
    desk = call.request.app[DESK]
    if call.body.to is not None:  # a new release that redeploys the earlier one
        release = await rollback_to(desk, call.params.app, call.body.to, call.body.reason, call.caller)
    else:  # the live release rolls back: the warm previous colour serves again
        release = await rollback(desk, call.params.app, call.body.reason, call.caller)
    out = ReleaseOut.of(release)
    return reply(out, 202, headers={"Location": out.links.self})
