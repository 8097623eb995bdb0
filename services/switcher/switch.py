"""approved -> switching -> live (verifying, with post-promotion checks) | failed; `superseded` for the release
that was live, and a scale-down timer for the colour it ran on.

The live pointer is only ever moved from the colour the release recorded when it was staged
(`release.live_colour`), with the Service's resourceVersion as a precondition; anything else live
means someone changed it behind our back, and the release fails with that reason.
"""

from __future__ import annotations

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.platform import AppRef, ColourStatus, LiveChanged, Platform, PlatformError, PlatformUnavailable
from services.shared.protocol import ReleaseState
from services.shared.release import ReleaseError
from services.switcher.announce import SERVICE, Announcer, Refused
from services.switcher.capacity import scale_up_standby
from services.switcher.settings import SwitcherSettings
from services.switcher.warm import warm_until

STEP = "switch"


class SwitchLive:
    def __init__(self, platform: Platform, announce: Announcer, settings: SwitcherSettings) -> None:
        self.platform, self.announce, self.settings = platform, announce, settings

    async def __call__(self, approved: ReleaseEvent, bus: Bus) -> None:
        """Idempotent: the Service's selector and its release-id annotation say whether the switch is
        done; if so nothing is patched and the same `live`, `superseded` and timer are re-emitted
        (same seq, same message ids; a second timer finds nothing left to scale down)."""
        switching = approved.next(ReleaseState.SWITCHING, actor=SERVICE)
        await self.announce.publish(bus, switching)
        release = approved.release
        app, target, expected = AppRef.of(release), release.standby_colour, release.live_colour
        try:
            if target is None:
                raise Refused("the approved release records no standby colour")
            state = await self.platform.read(app)
            if not (state.live is target and state.live_release == release.id):
                if state.live is not expected:
                    raise LiveChanged(expected, state.live)
                bus.ended.check(switching)
                await scale_up_standby(self.platform, app, state, target, release.id)
                # Aborted meanwhile: no traffic for it, and nothing left warm (the deployer frees the colour).
                await bus.ended.unless_ended(release.id, self.platform.wait_ready(
                    app, target, release.id, self.settings.ready_timeout))
                bus.ended.check(switching)
                await self.platform.switch(app, expected, target, release.id)
            await self.platform.mark(app, target, release.id, ColourStatus.LIVE)
            if expected is not None and release.previous_release:
                await self.platform.mark(app, expected, release.previous_release, ColourStatus.RETIRED)
        except PlatformUnavailable:
            raise
        except (Refused, PlatformError) as exc:  # LiveChanged and NotReady included
            await self.announce.publish(bus, switching.next(ReleaseState.FAILED, actor=SERVICE,
                                                            error=ReleaseError(step=STEP, reason=str(exc))))
            return
        # Post-promotion checks watch the new colour first, if the app has any; the analysis service then
        # publishes `live`, or `rolling_back` to this colour's predecessor, still warm.
        checks = release.spec is not None and release.spec.analysis.post
        live = switching.next(ReleaseState.VERIFYING if checks else ReleaseState.LIVE, actor=SERVICE,
                              details={"colour": target.value, "previous_colour": expected,
                                       **warm_until(expected, self.settings.scale_down_delay)})
        if expected is not None:
            await self.announce.retire_later(live, expected, release.previous_release, while_live=release.id)
        # Superseded first: whoever reacts to the new `live` (a rollback, say) finds the old one ready.
        previous = release.previous_release
        if previous and (superseded := await self.announce.superseded(previous, release)):
            await self.announce.publish(bus, superseded)
        await self.announce.publish(bus, live)
