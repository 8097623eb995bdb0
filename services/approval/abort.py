"""`POST /releases/{id}/abort`: an approver or admin ends an in-flight release, with a reason.

The abort is a `failed` event (step `abort`, actor the caller), so the one transition table is unchanged:
the app is free at once, the deployer frees the standby as for any failure, and work under way stops at
its next safe point (see services/shared/ended.py). It is recorded before it is published, like every API
command (handlers.py): a worker's event that took the same seq first makes the record fail, and the abort
is then made again from that event; a concurrent abort that took it first is answered as a repeated one.
"""

from __future__ import annotations

import structlog
from aiohttp import web
from pydantic import ConfigDict, Field

from services.approval.answers import ReleaseOut
from services.approval.errors import Conflict
from services.approval.gate import refusing_newer
from services.approval.handlers import DESK, ReleaseDesk
from services.approval.models import Body
from services.approval.params import ReleasePath
from services.approval.routing import Call, reply
from services.shared.db.fold import SameChange
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import Colour, Release, ReleaseError

log = structlog.get_logger(__name__)
STEP = "abort"
ATTEMPTS = 3


class AbortRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "wrong commit"}]})

    reason: str = Field(min_length=1, max_length=2000, description="why the release is aborted; kept in history")


async def abort_release(call: Call[ReleasePath, AbortRequest]) -> web.StreamResponse:
    desk = call.request.app[DESK]
    release = await abort(desk, call.params.id, call.body.reason, call.caller.name)
    return reply(ReleaseOut.of(release))


async def abort(desk: ReleaseDesk, release_id: str, reason: str, who: str) -> Release:
    """The aborted release; 409 for one a newer Greenlight left in a state this version does not know (gate.py)."""
    async with refusing_newer(desk.store, release_id):
        return await _abort(desk, release_id, reason, who)


async def _abort(desk: ReleaseDesk, release_id: str, reason: str, who: str) -> Release:
    for attempt in range(1, ATTEMPTS + 1):
        release = await desk.get(release_id)  # 404 for an unknown release
        if (answer := _answer_without_aborting(release)) is not None:
            return await _repeated(desk, answer)
        try:
            latest = await desk.latest_event(release)
            failed = latest.next(ReleaseState.FAILED, actor=who, details={"aborted_by": who, "reason": reason},
                                 error=ReleaseError(step=STEP, reason=f"aborted by {who}: {reason}"),
                                 standby_colour=await _colour_taken(desk, release))
            await desk.publish(failed)
        except SameChange:
            # A concurrent abort (or a step's failure) recorded `failed` first: the release has ended, and is
            # answered as a repeated abort would be.
            now = await desk.get(release_id)
            if (answer := _answer_without_aborting(now)) is not None:
                return await _repeated(desk, answer)
            raise Conflict("The release changed meanwhile; reload and retry.", state=now.state) from None
        except Conflict:  # a step moved the release on meanwhile: abort it from where it is now
            if attempt == ATTEMPTS:
                raise
            continue
        log.info("release aborted", release=release_id, by=who, reason=reason[:200])
        return failed.release
    raise AssertionError("unreachable")  # pragma: no cover


async def _repeated(desk: ReleaseDesk, aborted: Release) -> Release:
    """A repeated abort (a retry after a 503, a double click): the abort recorded is published at least once, or the
    log, and every service, would never hear of it while the read model shows the release ended."""
    await desk.echo(aborted, now=True)
    return aborted


async def _colour_taken(desk: ReleaseDesk, release: Release) -> Colour | None:
    """The colour the release was deployed on, or is being deployed on. The deployer publishes `deploying` before it
    picks the standby (the colour not live) and deploys onto it even if the release is aborted meanwhile, replacing
    the release kept warm there: said in the abort, the rollback's early refusal and the app card know it."""
    if release.standby_colour is not None or release.state is not ReleaseState.DEPLOYING:
        return release.standby_colour
    live_colour = (await desk.store.app(release.app)).live_colour
    return live_colour.other if live_colour is not None else None


def _answer_without_aborting(release: Release) -> Release | None:
    """The release when it was aborted already (a repeated request: answer with what happened), 409 when it
    cannot be aborted, None when it is to be aborted now."""
    if release.state is ReleaseState.FAILED and release.error is not None and release.error.step == STEP:
        return release
    if release.state is ReleaseState.VERIFYING:  # it serves traffic: failing it would leave live unowned
        raise Conflict("The release is live and being verified; it is rolled back if a check fails.",
                       state=release.state)
    if release.state not in IN_FLIGHT:
        raise Conflict(f"The release is {release.state.value}, not in flight; there is nothing to abort.",
                       state=release.state)
    return None
