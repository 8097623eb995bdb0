"""A rollback or put-back that ended without its flip lets go of the colour it held, on the marker its give-up left.

A rollback holds the colour it flips back to (rollback.py: HELD, the mark the platform's deploy refuses) across its
retries, from just before its flip until the flip lands, and so does a put-back (put_back.py, by the same `flip_back`).
Ended without the flip, the hold guards nothing; left in place, every new release of the app fails at deploy
("standby owned by release … awaiting approval"), and the API then refuses the next rollback too (a release that
failed at deploy counts as staged on that colour). A refusal lets go at once (`flip_back`). A give-up cannot: the
consumer gives the message up (its retries spent, or delivered past the limit to processes that died) when no attempt
runs, often with the cluster still away. Either give-up leaves a marker (given_up.py: a rollback's, its `live` with
`rollback_refused`), and the switcher lets go here, on it:

- Safe: no flip of that rollback or put-back can come any more (its message is settled; a dead letter replayed holds
  afresh before flipping), and nothing else of the switcher runs for the app meanwhile (one message of an app at a
  time: its partition across replicas, the per-app lock within one), so one asked again either has not started
  (it holds anew itself) or, this event retried past it, holds for its own flip: a rollback is left that hold, a
  put-back holds again right before its next attempt's flip.
- Durable: the event is on the broker; the cluster away is retried for GREENLIGHT_SWITCHER_HOLD_RELEASE_BUDGET.
- Idempotent: the colour is let go only while it runs the previous release, is not live, and is marked as a
  rollback leaves it (held, or `live` by its first mark, or `retired`).

Let go, it is `retired` with a fresh scale-down timer: its own may have come due while it was held (a no-op then),
and the rollback may have scaled it up from zero. Warm for the delay, it is there for the rollback asked again.
"""

from __future__ import annotations

import structlog

from services.shared.events import ReleaseEvent
from services.shared.platform import AppRef, ColourStatus, Platform
from services.shared.protocol import ReleaseState
from services.shared.retries import Budget
from services.switcher.announce import Announcer
from services.switcher.given_up import put_back_given_up
from services.switcher.rollback import HELD
from services.switcher.settings import SwitcherSettings

log = structlog.get_logger(__name__)
BUDGET_SETTING = "GREENLIGHT_SWITCHER_HOLD_RELEASE_BUDGET"
# How a rollback leaves the colour it flips back to when it ends without the flip.
LEFT_BY_A_ROLLBACK = frozenset({HELD, ColourStatus.LIVE, ColourStatus.RETIRED})


class HoldRelease:
    def __init__(self, platform: Platform, announce: Announcer, settings: SwitcherSettings) -> None:
        self.platform = platform
        self.announce = announce
        self.settings = settings

    def budget(self, refused: ReleaseEvent) -> Budget:
        release = refused.release
        colour = release.standby_colour.other.value if release.standby_colour is not None else "?"
        by = (f"the put-back of release {release.previous_release} after release {release.id} failed"
              if put_back_given_up(refused) else f"the rollback of release {release.id}")
        return Budget(
            self.settings.hold_release_budget, BUDGET_SETTING,
            overdue=(f"the cluster is still away past GREENLIGHT_RETRY_BUDGET; still trying to let go of {colour}, "
                     f"held by {by} that did not flip: new releases of "
                     f"{release.app} fail at deploy until then"),
            spent=(f"gave up letting go of {colour}, held by {by}: the cluster stayed "
                   f"away past {BUDGET_SETTING}; new releases of {release.app} fail at deploy while it stays held"),
            about={"release": release.id, "colour": colour})

    async def __call__(self, refused: ReleaseEvent) -> bool:
        """Lets go of the colour; True if the flip had landed after all (the colour serves the previous release)."""
        release = refused.release
        colour, previous = release.standby_colour, release.previous_release
        if colour is None or previous is None:
            return False
        app, back = AppRef.of(release), colour.other
        state = await self.platform.read(app)
        held = state.colour(back)
        if held is None or held.release_id != previous or held.status not in LEFT_BY_A_ROLLBACK or \
                (held.status is ColourStatus.RETIRED and held.replicas == 0):
            return False
        if state.live is back:  # the flip landed before the give-up: the colour serves, so it is live
            if held.status is not ColourStatus.LIVE:
                await self.platform.mark(app, back, previous, ColourStatus.LIVE)
            return state.live_release == previous
        now = await self.announce.store.get(release.id)
        if now is not None and now.state is ReleaseState.ROLLING_BACK and now.seq > refused.seq:
            log.info("a later rollback holds the colour for its own flip", colour=back.value, rolling_back=now.seq)
            return False
        if held.status is not ColourStatus.RETIRED:
            await self.platform.mark(app, back, previous, ColourStatus.RETIRED)
            log.info("let go of the colour held by a rollback or put-back that did not flip", colour=back.value,
                     previous=previous, was=held.status.value if held.status else None)
        await self.announce.retire_later(refused, back, previous, while_live=state.live_release or release.id)
        return False
