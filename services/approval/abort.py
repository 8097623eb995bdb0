"""`POST /releases/{id}/abort`: an approver or admin ends an in-flight release, with a reason.

The abort is a `failed` event (step `abort`, actor the caller), so the one transition table is unchanged:
the app is free at once, the deployer frees the standby as for any failure, and work under way stops at
its next safe point (see services/shared/ended.py). A worker may publish its next event at the same
moment: both then carry the same seq and the log keeps the first. The abort therefore waits for the log
to echo its seq and, if the worker's event won, aborts again from that one.
"""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import web
from pydantic import ConfigDict, Field

from services.approval.deadlines import latest_logged
from services.approval.errors import Conflict
from services.approval.handlers import DESK, ReleaseDesk
from services.approval.models import Body, ReleaseOut, ReleasePath
from services.approval.routing import Call, reply
from services.shared.events import ReleaseEvent
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import Release, ReleaseError
from services.shared.store import ReleaseStore

log = structlog.get_logger(__name__)
STEP = "abort"
ECHO_TIMEOUT = 10.0  # seconds to wait for the log to echo the abort
ATTEMPTS = 3


class AbortRequest(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "wrong commit"}]})

    reason: str = Field(min_length=1, max_length=2000, description="why the release is aborted; kept in history")


async def abort_release(call: Call[ReleasePath, AbortRequest]) -> web.StreamResponse:
    desk = call.request.app[DESK]
    release = await abort(desk, call.params.id, call.body.reason, call.caller.name)
    return reply(ReleaseOut.of(release))


async def abort(desk: ReleaseDesk, release_id: str, reason: str, who: str) -> Release:
    app = desk._get(release_id).app  # 404 for an unknown release
    for _ in range(ATTEMPTS):
        async with desk._locks[app]:
            latest = latest_logged(desk.store, release_id)
            if latest is None:
                raise Conflict("The release is changing right now; retry in a moment.")
            release = latest.release
            if release.state is ReleaseState.FAILED and release.error is not None and release.error.step == STEP:
                return release  # aborted already (a repeated request): answer with what happened
            if release.state not in IN_FLIGHT:
                raise Conflict(f"The release is {release.state.value}, not in flight; there is nothing to abort.",
                               state=release.state)
            failed = latest.next(ReleaseState.FAILED, actor=who, details={"aborted_by": who, "reason": reason},
                                 error=ReleaseError(step=STEP, reason=f"aborted by {who}: {reason}"))
            after = desk.store.last_offset
            await desk._publish(failed)
        if await _echoed_as_ours(desk.store, failed, after):
            log.info("release aborted", release=release_id, by=who, reason=reason[:200])
            return failed.release
        log.info("a step's event took the abort's seq; aborting again", release=release_id)
    raise Conflict("The release kept changing while it was being aborted; retry.")


async def _echoed_as_ours(store: ReleaseStore, failed: ReleaseEvent, after: int) -> bool:
    """Whether the log holds our `failed` at its seq (False: another event was logged there first)."""
    follow = store.follow(after, lambda e: e.release_id == failed.release_id and e.seq == failed.seq)
    try:
        logged = await asyncio.wait_for(anext(follow), ECHO_TIMEOUT)
    except TimeoutError:
        return True  # the log reader lags; the event was confirmed by the broker, so it is in the log
    finally:
        await follow.aclose()  # type: ignore[attr-defined]
    return logged.event.state is ReleaseState.FAILED
