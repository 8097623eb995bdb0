"""failed -> live traffic put back on the previous release, if the failed release serves it.

A release fails after its switch flipped the live Service when the flip's follow-up could not finish: the cluster
API away past the retry budget just after the flip, the switch deadline, an abort landing between the last check
and the flip. The log then says the previous release is live while users are served by one that failed, and
nothing else moves traffic (the deployer frees a failed release's colour, never a live one). So the switcher
reads the Service for every failed release that was deployed: almost always it serves another release, and that
is all. Otherwise the previous colour, if it still runs the previous release, takes the traffic back (scaled up
first if it was scaled down), the failed colour is freed as the deployer would have, and the previous release,
if its switch had already marked it superseded, is made live again.

Idempotent: a redelivery finds the Service on the previous colour and does nothing. The platform away is a retry.
"""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.platform import AppRef, ColourStatus, Platform, PlatformError
from services.shared.protocol import ReleaseState
from services.switcher.announce import SERVICE, Announcer, Refused, event_of
from services.switcher.rollback import flip_back
from services.switcher.settings import SwitcherSettings

log = structlog.get_logger(__name__)


class PutBack:
    def __init__(self, platform: Platform, announce: Announcer, settings: SwitcherSettings) -> None:
        self.platform = platform
        self.announce = announce
        self.settings = settings

    async def __call__(self, failed: ReleaseEvent, bus: Bus) -> None:
        release = failed.release
        colour, previous = release.standby_colour, release.previous_release
        if colour is None or release.image is None:
            return  # never deployed: it cannot serve
        app = AppRef.of(release)
        state = await self.platform.read(app)
        if state.live is not colour or state.live_release != release.id:
            return
        if previous is None or state.colour(colour.other) is None:
            log.error("a failed release serves live traffic and no previous release is there to put back",
                      colour=colour.value)
            return
        log.warning("a failed release serves live traffic; putting the previous release back",
                    colour=colour.value, previous=previous)
        try:
            await flip_back(self.platform, app, colour, previous, self.settings.ready_timeout)
        except (Refused, PlatformError) as exc:
            log.error("could not put the previous release back; the failed release still serves", reason=str(exc))
            return
        if await self.platform.mark(app, colour, release.id, ColourStatus.RELEASED):
            await self.platform.scale(app, colour, 0, if_release=release.id, if_status=ColourStatus.RELEASED)
        try:
            restored = await self.announce.current(previous)
        except Refused:
            return  # not in the read model: nothing of it to make live again
        if restored.state is ReleaseState.SUPERSEDED:
            await self.announce.publish(bus, event_of(restored).next(
                ReleaseState.LIVE, actor=SERVICE, details={"restored_after_failure_of": release.id}))
