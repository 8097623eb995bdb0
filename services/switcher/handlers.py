"""Switch live traffic to an approved release; dispatch rollbacks and scale-down timers.

approved -> switching -> live | failed; plus `superseded` for the release that was live: see switch.py.
rolling_back -> see rollback.py.
let-go   -> a rollback's or put-back's give-up marker (given_up.py): the warm colour it held is let go (hold.py);
            a put-back's flip that landed before its give-up has the rest of it done.
failed   -> traffic put back on the previous release if the failed one serves it: see put_back.py. Its retries
            have their own budget (`retry_budget`): a failed release serving users is an outage.
timer    -> the colour retired by a switch scales to zero once the scale-down delay has passed,
            unless it was made live again meanwhile (see timers.py for how the delay is kept).

Ack policy: the shared AFTER_EFFECT (ack once the effect is done and every event is confirmed).
"""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent
from services.shared.locks import KeyedLocks
from services.shared.platform import AppRef, ColourStatus, Platform
from services.shared.protocol import ReleaseState
from services.shared.release import Colour
from services.shared.retries import Budget
from services.switcher.announce import SCALE_DOWN, Announcer
from services.switcher.given_up import ended_without_flip, put_back_given_up
from services.switcher.hold import HoldRelease
from services.switcher.landed import log_the_landed_rollback
from services.switcher.put_back import PutBack
from services.switcher.rollback import RollBack
from services.switcher.settings import SwitcherSettings
from services.switcher.switch import SwitchLive
from services.switcher.timers import Timers

log = structlog.get_logger(__name__)


class Switcher:
    def __init__(self, platform: Platform, timers: Timers, store: ReleaseDatabase,
                 settings: SwitcherSettings) -> None:
        self.platform = platform
        self.settings = settings
        self.announce = Announcer(timers, store, settings.scale_down_delay)
        self.hold_release = HoldRelease(platform, self.announce, settings)
        self.roll_back = RollBack(platform, self.announce, settings, let_go=self.hold_release)
        self.put_back = PutBack(platform, self.announce, settings)
        self.switch = SwitchLive(platform, self.announce, settings)
        # What moves live traffic (a switch too: a put-back beside one read the Service before its flip landed, and
        # left an aborted release live) or lets go of a hold runs one at a time per app, as a partition has them: an
        # unpartitioned consumer runs its messages side by side. A holder awaits the cluster, the broker and the
        # database, never another message of the app (an ending is heard on its own queue, not this one).
        self.apps = KeyedLocks()

    async def handle(self, event: ReleaseEvent, bus: Bus) -> None:
        async with self.announce.recording():
            if event.details.get("timer") == SCALE_DOWN:
                await self.scale_down(event)
            elif event.state is ReleaseState.APPROVED:
                async with self.apps.hold(event.app):
                    await self.switch(event, bus)
            elif event.state is ReleaseState.ROLLING_BACK:
                async with self.apps.hold(event.app):
                    await self.roll_back(event, bus)
            elif put_back_given_up(event) or ended_without_flip(event):  # before `failed`: the marker copies one
                async with self.apps.hold(event.app):
                    landed = await self.hold_release(event)
                    if put_back_given_up(event):  # its flip may have landed: the rest of it, never a flip
                        await self.put_back(event, bus, flip=False)
                    elif landed:  # a rollback's flip landed before its give-up: logged again, recorded as done
                        await log_the_landed_rollback(self.announce, event, bus)
            elif event.state is ReleaseState.FAILED:
                async with self.apps.hold(event.app):
                    await self.put_back(event, bus)
            else:
                log.warning("ignoring an event the switcher does not act on")

    def retry_budget(self, event: ReleaseEvent) -> Budget | None:
        """The retry budget of `event`'s handling, if not GREENLIGHT_RETRY_BUDGET (Subscription.retry_budget)."""
        if event.details.get("timer") == SCALE_DOWN:
            return None
        if put_back_given_up(event) or ended_without_flip(event):
            return self.hold_release.budget(event)
        if event.state is ReleaseState.FAILED:
            return self.put_back.budget(event)
        return None

    async def scale_down(self, timer: ReleaseEvent) -> None:
        """Idempotent: the scale is a patch conditional on the colour still running the retired release
        and still marked `retired`; a colour made live again, or taken by a newer release, is kept.
        The Service is read first as well, so a colour put live by hand is never scaled down, nor one a later
        switch or rollback retired again (its own timer scales it)."""
        colour, release_id = Colour(timer.details["colour"]), timer.details.get("release_id")
        app = AppRef.of(timer.release)
        state = await self.platform.read(app)
        if release_id is None or state.live is colour:
            log.info("scale-down skipped: colour is live", colour=colour.value)
            return
        # Timers set before `while_live` existed carry none: they keep the older guard.
        if (while_live := timer.details.get("while_live")) is not None and state.live_release != while_live:
            log.info("scale-down skipped: live moved since", colour=colour.value, live_release=state.live_release)
            return
        done = await self.platform.scale(app, colour, 0, if_release=release_id, if_status=ColourStatus.RETIRED)
        log.info("scale-down", colour=colour.value, release_retired=release_id, scaled=done)
