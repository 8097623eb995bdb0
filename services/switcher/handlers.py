"""Switch live traffic to an approved release, roll back on request, and retire the old colour later.

approved    -> switching -> live | failed; plus `superseded` for the release that was live.
rolling_back -> rolled_back for it and `live` for the release restored; or `live` again for it,
               with the refusal reason in the event's details, when the rollback cannot be done.
timer       -> the colour retired by a switch scales to zero once the scale-down delay has passed,
               unless it was made live again meanwhile.

The live pointer is only ever moved from the colour the release recorded when it was staged
(`release.live_colour`), with the Service's resourceVersion as a precondition; anything else live
means someone changed it behind our back, and the release fails with that reason.
Other releases' current state (for `superseded` and a restored `live`) comes from the release log.

Ack policy: the shared AFTER_EFFECT (ack once the effect is done and every event is confirmed).
"""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.platform import (
    AppRef,
    AppState,
    ColourStatus,
    LiveChanged,
    NotReady,
    Platform,
    PlatformError,
)
from services.shared.platform import PlatformUnavailable as Unavailable
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release, ReleaseError
from services.shared.store import ReleaseStore
from services.switcher.settings import SwitcherSettings
from services.switcher.timers import Timers

log = structlog.get_logger(__name__)
SERVICE = "switcher"
STEP = "switch"
SCALE_DOWN = "scale-down"


class Refused(Exception):
    """A switch or rollback that must not happen; the message is the reason recorded in the event."""


class Switcher:
    def __init__(self, platform: Platform, timers: Timers, store: ReleaseStore,
                 settings: SwitcherSettings) -> None:
        self.platform = platform
        self.timers = timers
        self.store = store
        self.settings = settings

    async def handle(self, event: ReleaseEvent, bus: Bus) -> None:
        if event.details.get("timer") == SCALE_DOWN:
            await self.scale_down(event)
        elif event.state is ReleaseState.APPROVED:
            await self.switch(event, bus)
        elif event.state is ReleaseState.ROLLING_BACK:
            await self.roll_back(event, bus)
        else:
            log.warning("ignoring an event the switcher does not act on")

    async def switch(self, approved: ReleaseEvent, bus: Bus) -> None:
        """Idempotent: the Service's selector and its release-id annotation say whether the switch is
        done; if so nothing is patched and the same `live`, `superseded` and timer are re-emitted
        (same seq, same message ids; a second timer finds nothing left to scale down)."""
        switching = approved.next(ReleaseState.SWITCHING, actor=SERVICE)
        await self._publish(bus, switching)
        release = approved.release
        app, target, expected = AppRef.of(release), release.standby_colour, release.live_colour
        try:
            if target is None:
                raise Refused("the approved release records no standby colour")
            state = await self.platform.read(app)
            if not (state.live is target and state.live_release == release.id):
                if state.live is not expected:
                    raise LiveChanged(expected, state.live)
                await self.platform.wait_ready(app, target, release.id, self.settings.ready_timeout)
                await self.platform.switch(app, expected, target, release.id)
            await self.platform.mark(app, target, release.id, ColourStatus.LIVE)
            if expected is not None and release.previous_release:
                await self.platform.mark(app, expected, release.previous_release, ColourStatus.RETIRED)
        except Unavailable:
            raise
        except (Refused, PlatformError) as exc:  # LiveChanged and NotReady included
            await self._publish(bus, switching.next(ReleaseState.FAILED, actor=SERVICE,
                                                    error=ReleaseError(step=STEP, reason=str(exc))))
            return
        live = switching.next(ReleaseState.LIVE, actor=SERVICE,
                              details={"colour": target.value, "previous_colour": expected})
        if expected is not None:
            await self._retire_later(live, expected, release.previous_release)
        await self._publish(bus, live)
        if release.previous_release and (superseded := self._superseded(release.previous_release, release)):
            await self._publish(bus, superseded)

    async def roll_back(self, rolling: ReleaseEvent, bus: Bus) -> None:
        """Put the previous release's colour live again.

        Idempotent: if live already is the previous colour with the previous release's id, only the
        events are re-emitted. Within the scale-down delay the old colour still runs, so this is a
        selector flip; after it, the colour is scaled up and waited for first. It is marked `live`
        before the flip, which makes a pending scale-down timer for it (a conditional patch) a no-op.
        """
        release = rolling.release
        app, colour, previous = AppRef.of(release), release.standby_colour, release.previous_release
        try:
            if colour is None or previous is None:
                raise Refused("there is no previous release to roll back to")
            restored = self._current(previous)
            state = await self.platform.read(app)
            if not (state.live is colour.other and state.live_release == previous):
                await self._restore(app, state, release, colour, previous, restored)
        except Unavailable:
            raise
        except (Refused, PlatformError) as exc:
            log.warning("rollback refused", reason=str(exc))
            await self._publish(bus, rolling.next(ReleaseState.LIVE, actor=SERVICE,
                                                  details={"rollback_refused": str(exc)}))
            return
        rolled_back = rolling.next(ReleaseState.ROLLED_BACK, actor=SERVICE,
                                   details={"restored": previous, "colour": colour.other.value})
        await self._retire_later(rolled_back, colour, release.id)
        await self._publish(bus, rolled_back)
        if restored.state is ReleaseState.SUPERSEDED:
            await self._publish(bus, _event_of(restored).next(
                ReleaseState.LIVE, actor=SERVICE, details={"restored_by_rollback_of": release.id}))
        elif restored.state is ReleaseState.LIVE:
            await self._publish(bus, _event_of(restored))  # a repeat: the same event again

    async def _restore(self, app: AppRef, state: AppState, release: Release, colour: Colour, previous: str,
                       restored: Release) -> None:
        back = colour.other
        if state.live is not colour or state.live_release != release.id:
            raise Refused(f"release {release.id} is not live "
                          f"(live: {state.live or 'none'} with release {state.live_release})")
        if restored.state is not ReleaseState.SUPERSEDED:
            raise Refused(f"release {previous} is {restored.state.value} and cannot go live again")
        back_state, live_state = state.colour(back), state.colour(colour)
        if back_state is None or back_state.release_id != previous:
            raise Refused(f"{back} no longer runs release {previous}")
        await self.platform.mark(app, back, previous, ColourStatus.LIVE)
        try:
            replicas = live_state.replicas if live_state is not None else back_state.replicas
            if back_state.replicas < replicas or not back_state.ready:
                log.info("scaling the previous colour up before rolling back", colour=back.value)
                await self.platform.scale(app, back, replicas, if_release=previous)
                await self.platform.wait_ready(app, back, previous, self.settings.ready_timeout)
            await self.platform.switch(app, colour, back, previous)
        except (NotReady, LiveChanged):
            await self.platform.mark(app, back, previous, ColourStatus.RETIRED)
            raise
        await self.platform.mark(app, colour, release.id, ColourStatus.RETIRED)

    async def scale_down(self, timer: ReleaseEvent) -> None:
        """Idempotent: the scale is a patch conditional on the colour still running the retired release
        and still marked `retired`; a colour made live again, or taken by a newer release, is kept."""
        colour, release_id = Colour(timer.details["colour"]), timer.details.get("release_id")
        app = AppRef.of(timer.release)
        state = await self.platform.read(app)
        if release_id is None or state.live is colour:
            log.info("scale-down skipped: colour is live", colour=colour.value)
            return
        done = await self.platform.scale(app, colour, 0, if_release=release_id,
                                         if_status=ColourStatus.RETIRED)
        log.info("scale-down", colour=colour.value, release_retired=release_id, scaled=done)

    async def _retire_later(self, event: ReleaseEvent, colour: Colour, release_id: str | None) -> None:
        if release_id is None:
            return  # the colour carries no release of ours: leave it as found
        timer = event.model_copy(update={"details": {"timer": SCALE_DOWN, "colour": colour.value,
                                                     "release_id": release_id}})
        await self.timers.schedule(timer, self.settings.scale_down_delay)

    def _current(self, release_id: str) -> Release:
        release = self.store.get(release_id)
        if release is None:
            raise Refused(f"release {release_id} is not in the release log")
        return release

    def _superseded(self, previous_id: str, by: Release) -> ReleaseEvent | None:
        previous = self.store.get(previous_id)
        if previous is None or previous.state not in (ReleaseState.LIVE, ReleaseState.SUPERSEDED):
            log.warning("previous release not live in the log; no superseded event", previous=previous_id)
            return None
        if previous.state is ReleaseState.SUPERSEDED:
            return _event_of(previous)  # a repeat: the same event again
        return _event_of(previous).next(ReleaseState.SUPERSEDED, actor=SERVICE,
                                        details={"superseded_by": by.id})

    async def _publish(self, bus: Bus, event: ReleaseEvent) -> None:
        await bus.publish(event)
        self.store.remember(event)  # our own next decision must see it before the log echoes it


def _event_of(release: Release) -> ReleaseEvent:
    """The event that put `release` in its current state, rebuilt from its snapshot (same seq and id)."""
    return ReleaseEvent(release_id=release.id, app=release.app, seq=release.seq, state=release.state,
                        actor=SERVICE, release=release, occurred_at=release.updated_at)
