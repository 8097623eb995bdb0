"""`POST /apps/{app}/rollback` with `to`: roll back to any earlier release, not only the warm colour.

It is a release of its own (`restores` names the release it brings back) that redeploys that release's digest
to the standby like `from_release` (builder and pusher pass the image on: nothing is built), runs the checks
before approval, and switches. Who approves it: by default the request is the approval, since only someone
with the approver role may make it (the approval policy's watch approves it as them once it is ready and its
checks passed); an app whose greenlight.yaml says `approval.rollback_needs_approval: true` has it wait for
approvals like any release. The policy read is the restored release's (its spec is copied).
"""

from __future__ import annotations

import structlog

from services.approval.auth import Identity
from services.approval.errors import Conflict
from services.approval.handlers import ReleaseDesk
from services.approval.promotion import promoted_release, source_release
from services.shared.events import first_event
from services.shared.release import Release

log = structlog.get_logger(__name__)


async def rollback_to(desk: ReleaseDesk, app: str, to: str, reason: str, caller: Identity) -> Release:
    await desk.check_free(app, caller)
    source = await source_release(desk.store, app, to, field="to")
    live = await desk.store.live(app)
    if live is not None and (live.id == to or (live.restores == to and live.digest == source.digest)):
        raise Conflict(f"Release {to} is what {app} runs already (release {live.id} is live).", state=live.state)
    release = promoted_release(source, caller.name).model_copy(update={"restores": to})
    event = first_event(release, actor=caller.name)
    event = event.model_copy(update={"details": {**event.details, "from_release": to, "restores": to,
                                                 "reason": reason}})
    await desk.publish(event)
    log.info("rollback to an earlier release requested", release=release.id, app=app, restores=to, by=caller.name)
    return release

