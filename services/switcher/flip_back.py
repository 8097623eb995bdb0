"""Live traffic moved back to the colour that still runs the previous release: marked `live` first, scaled up and
awaited if it was scaled down, held (HELD) across the flip, and let go of if the flip is refused. A rollback
(rollback.py) and a put-back (put_back.py) both flip back so."""

from __future__ import annotations

import structlog

from services.shared.platform import AppRef, ColourStatus, Platform, PlatformError, PlatformUnavailable
from services.shared.release import Colour
from services.switcher.announce import Refused

log = structlog.get_logger(__name__)
# A rollback does not hold the app, so the next release may be staged meanwhile, on the colour the Service does not
# select yet: this one. The only mark the platform's deploy refuses, in the same conditional write as its patch, is
# another release's `awaiting-approval`. Held so, the colour is either kept for the flip, or the deploy came first
# and the hold (conditional on `previous`) fails: the rollback is refused. Never a flip onto the new release's pods.
HELD = ColourStatus.AWAITING_APPROVAL


async def flip_back(platform: Platform, app: AppRef, away: Colour, previous: str, ready_timeout: float) -> None:
    """Live traffic from `away` to the other colour, which must still run `previous`: marked `live` first, which
    turns a pending scale-down timer for it into a no-op, then scaled up and awaited if it was scaled down."""
    back = away.other
    if not await platform.mark(app, back, previous, ColourStatus.LIVE):
        raise Refused(f"{back} no longer runs release {previous}")
    # Read after the mark: a scale-down timer that came due before it (another message on this queue, or another
    # replica) may have scaled `back` to zero; after it none can.
    state = await platform.read(app)
    back_state, live_state = state.colour(back), state.colour(away)
    try:
        if back_state is None:
            raise Refused(f"{back} no longer runs release {previous}")
        replicas = live_state.replicas if live_state is not None else back_state.replicas
        if back_state.replicas < replicas or not back_state.ready:
            log.info("scaling the previous colour up before moving traffic back", colour=back.value)
            await platform.scale(app, back, replicas, if_release=previous)
            await platform.wait_ready(app, back, previous, ready_timeout)
        if not await platform.mark(app, back, previous, HELD):
            raise Refused(f"{back} no longer runs release {previous}: a later release was staged on it")
        await platform.switch(app, away, back, previous)
    except PlatformUnavailable:
        # Retried: the hold is kept for the next attempt's flip. If the rollback is given up instead, it is let go
        # on the `live` that says so (hold.py).
        raise
    except (PlatformError, Refused):
        # Any refusal, not only NotReady and LiveChanged: a switch the API forbids (403) or refuses (422) left the
        # colour held, and every new release of the app failing at deploy.
        await platform.mark(app, back, previous, ColourStatus.RETIRED)
        # Its replicas as found: its scale-down timer may have fired already, and none comes for those asked for
        # here. Unless live traffic went there meanwhile (by hand: the timer's guard), which keeps what it has.
        if back_state is not None and (await platform.read(app)).live is not back:
            await platform.scale(app, back, back_state.replicas, if_release=previous, if_status=ColourStatus.RETIRED)
        raise
    await platform.mark(app, back, previous, ColourStatus.LIVE)
