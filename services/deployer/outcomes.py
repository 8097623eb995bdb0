"""What a deploy ends in (handlers.py): the release staged on its standby colour, on to its checks or the approval
gate, or failed with the reason; and, once a release ended, the colour it holds freed.
"""

from __future__ import annotations

from typing import Any

import structlog

from services.shared.events import ReleaseEvent
from services.shared.platform import AppRef, AppState, ColourStatus, Platform
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, ReleaseError

log = structlog.get_logger(__name__)
SERVICE = "deployer"
STEP = "deploy"


def staged(deploying: ReleaseEvent, state: AppState, standby: Colour, preview: str) -> ReleaseEvent:
    live = None if state.live is None else standby.other
    live_state = state.colour(live) if live is not None else None
    previous = live_state.release_id if live_state is not None else None
    log.info("release staged", standby=standby.value, live=live, preview=preview)
    # Pre-promotion checks first, if the app has any: the analysis service asks for approval once they pass.
    checks = deploying.release.spec is not None and deploying.release.spec.analysis.pre
    return deploying.next(
        ReleaseState.ANALYSING if checks else ReleaseState.AWAITING_APPROVAL, actor=SERVICE,
        details={"standby_colour": standby.value, "live_colour": live, "preview": preview},
        live_colour=live, standby_colour=standby, preview=preview, previous_release=previous,
    )


def failed(deploying: ReleaseEvent, reason: str, standby: Colour | None = None,
           log_tail: str | None = None) -> ReleaseEvent:
    log.warning("release not staged", reason=reason)
    details: dict[str, Any] = {"standby_colour": standby.value if standby else None}
    return deploying.next(ReleaseState.FAILED, actor=SERVICE, details=details,
                          error=ReleaseError(step=STEP, reason=reason, log_tail=log_tail))


def colour_of(state: AppState, release_id: str) -> Colour | None:
    return next((c for c, s in state.colours.items() if s.release_id == release_id), None)


async def free_colour(platform: Platform, app: AppRef, colour: Colour, release_id: str, because: str) -> None:
    """At once, not after the switcher's scale-down delay: nothing will ever serve from it."""
    if await platform.mark(app, colour, release_id, ColourStatus.RELEASED):
        await platform.scale(app, colour, 0, if_release=release_id, if_status=ColourStatus.RELEASED)
        log.info("standby freed", colour=colour.value, because=because)
