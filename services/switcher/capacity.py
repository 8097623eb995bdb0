"""Replicas for the colour about to take live traffic: never none, and never fewer than serve now.

A standby can lose its replicas while it awaits approval (scaled to zero by hand during a long soak, or by an
autoscaler). Zero desired replicas is a finished rollout to every platform, so the readiness wait alone would let
the switch point live traffic at a colour with no pods. And the live colour may have grown meanwhile (an autoscaler
under load): the standby got the live colour's count when it was deployed, and switched at that count it would
take the whole load with fewer pods than carried it a moment before. It is scaled up to the live colour's count
first (never down: a standby given more keeps them).
"""

from __future__ import annotations

import structlog

from services.shared.platform import AppRef, AppState, ColourStatus, Platform
from services.shared.release import Colour
from services.switcher.announce import Refused

log = structlog.get_logger(__name__)


async def scale_up_standby(platform: Platform, app: AppRef, state: AppState, standby: Colour,
                           release_id: str) -> None:
    """Give a standby at least the replicas that serve now (the readiness wait that follows awaits them); only while
    it is still held for `release_id`: a freed colour (the release ended) is not brought back."""
    current = state.colour(standby)
    replicas = state.serving_replicas(app.spec.replicas)
    if current is None or current.replicas >= replicas:
        return
    log.info("standby has fewer replicas than serve now; scaling it up before the switch", colour=standby.value,
             replicas=replicas, had=current.replicas)
    if not await platform.scale(app, standby, replicas, if_release=release_id,
                                if_status=ColourStatus.AWAITING_APPROVAL):
        raise Refused(f"{standby} runs {current.replicas} of the {replicas} replicas that serve now and is no longer "
                      f"held for release {release_id}")
