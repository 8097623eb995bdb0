"""`POST /apps/{app}/rollback` with `to`: roll back to any earlier release, not only the warm colour.

It is a release of its own (`restores` names the release it brings back) that redeploys that release's digest
to the standby like `from_release` (builder and pusher pass the image on: nothing is built), runs the checks
before approval, and switches. Who approves it: by default the request is the approval, since only someone
with the approver role may make it (the approval policy's watch approves it as them once it is ready and its
checks passed); an app whose greenlight.yaml says `approval.rollback_needs_approval: true` has it wait for
approvals like any release. The policy read is the restored release's (its spec is copied).

The request stands for an approval only of what was approved before: `to` may name a release rejected, aborted
or failed before anyone approved it, and its requester (an approver) would otherwise get it live on their own
request, past the four eyes that refused it. Such a rollback waits for approvals (its copied spec says so), which
its requester cannot give.
"""

from __future__ import annotations

import structlog

from services.approval.auth import Identity
from services.approval.errors import Conflict, Unprocessable
from services.approval.four_eyes import with_requester_key
from services.approval.gate import refusing_newer
from services.approval.handlers import ReleaseDesk
from services.approval.promotion import promoted_release, source_release
from services.approval.rollback import known_live
from services.shared.approval_policy import ApprovalPolicy
from services.shared.appspec import AppSpec
from services.shared.events import first_event
from services.shared.protocol import ReleaseState
from services.shared.release import Release

log = structlog.get_logger(__name__)


async def rollback_to(desk: ReleaseDesk, app: str, to: str, reason: str, caller: Identity) -> Release:
    """409 also when `to`, or a release of `app` it reads, is one a newer Greenlight left in a state this version
    does not know (gate.py)."""
    async with refusing_newer(desk.store, to, app=app):
        return await _rollback_to(desk, app, to, reason, caller)


async def _rollback_to(desk: ReleaseDesk, app: str, to: str, reason: str, caller: Identity) -> Release:
    await desk.check_free(app, caller)
    source = await source_release(desk.store, app, to, field="to")
    live = known_live(await desk.store.app(app))  # a newer Greenlight's: 409, not read as none
    if live is not None and (live.id == to or (live.restores == to and live.digest == source.digest)):
        raise Conflict(f"Release {to} is what {app} runs already (release {live.id} is live).", state=live.state)
    reached = {stored.event.state for stored in await desk.store.history(to, (ReleaseState.PUSHED,
                                                                            ReleaseState.APPROVED))
               if stored.note is None}
    if ReleaseState.PUSHED not in reached:  # an image named at its request, never pushed (e.g. aborted at once)
        raise Unprocessable.of_body_field("to", f"release {to} has no pushed image to redeploy")
    release = promoted_release(source, caller.name).model_copy(update={"restores": to})
    details: dict[str, object] = {"from_release": to, "restores": to, "reason": reason}
    if ReleaseState.APPROVED not in reached:
        release = release.model_copy(update={"spec": _needing_approval(release.spec)})
        details["needs_approval"] = f"release {to} was never approved: this rollback waits for approvals"
    event = first_event(release, actor=caller.name)
    event = event.model_copy(update={"details": {**event.details, **with_requester_key(details, caller)}})
    await desk.publish(event)
    log.info("rollback to an earlier release requested", release=release.id, app=app, restores=to, by=caller.name)
    return release


def _needing_approval(spec: AppSpec | None) -> AppSpec:
    """The restored release's spec, its policy saying `rollback_needs_approval` (the builder keeps a release's spec
    when its image is set; a pushed release always has one, from its `built` event)."""
    spec = spec or AppSpec()
    policy = (spec.approval or ApprovalPolicy()).model_copy(update={"rollback_needs_approval": True})
    return spec.model_copy(update={"approval": policy})
