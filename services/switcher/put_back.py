"""failed -> live traffic put back on the previous release, if the failed release serves it.

A release fails after its switch flipped the live Service when the flip's follow-up could not finish: the cluster
API away past the retry budget just after the flip, the switch deadline, an abort landing between the last check
and the flip. The log then says the previous release is live while users are served by one that failed, and
nothing else moves traffic (the deployer frees a failed release's colour, never a live one). So the switcher
reads the Service for every failed release that was deployed: almost always it serves another release, and that
is all. Otherwise the previous colour, if it still runs the previous release, takes the traffic back (scaled up
first if it was scaled down), the failed colour is freed as the deployer would have, and the previous release,
if its switch had already marked it superseded, is made live again.

The platform away is a retry. For a release that may serve (`may_serve`: only an approved release's switch moves
traffic) it is retried for GREENLIGHT_SWITCHER_PUT_BACK_BUDGET (default 24 h), not GREENLIGHT_RETRY_BUDGET
(default 5 min): a failed release serving users is an outage, and giving up would leave it serving until the next
release's switch. Each retry past the general budget logs an error naming the release and its colour, and so does
the end of the put-back budget (services/shared/retries.py: `Budget`). A refusal (the previous colour no longer
runs the previous release, cannot be made ready, live moved by someone else) is logged as an error, not retried;
the previous colour is left retired with a fresh scale-down timer. Given up, the put-back leaves the switcher a
marker, on which the colour it held is let go, or, its flip landed, the rest is done (given_up.py).

Idempotent: a redelivery finds the Service on the previous colour. If the colour of the failed release (one that
may have served) still runs it, a delivery before may have flipped back and not got to the rest (the cluster or
the database away just after the flip, or another replica still at it): the rest is done again, each step a no-op
once done (the previous colour, held for the flip, is marked `live`; the free is skipped if the colour is already
freed; the restore only publishes for a release still marked superseded). For a release that failed before its
flip that is the deployer's free, made twice.
"""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.platform import AppRef, AppState, ColourStatus, Platform, PlatformError, PlatformUnavailable
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release
from services.shared.retries import Budget
from services.switcher.announce import SERVICE, Announcer, Refused, event_of
from services.switcher.rollback import flip_back
from services.switcher.settings import SwitcherSettings

log = structlog.get_logger(__name__)
BUDGET_SETTING = "GREENLIGHT_SWITCHER_PUT_BACK_BUDGET"


def may_serve(release: Release) -> bool:
    """Whether a failed release may be serving live traffic with a previous release to put back: deployed, and
    approved (only a switch moves the live Service, and only an approved release is switched)."""
    return (release.standby_colour is not None and release.image is not None and release.approver is not None
            and release.previous_release is not None)


class PutBack:
    def __init__(self, platform: Platform, announce: Announcer, settings: SwitcherSettings) -> None:
        self.platform = platform
        self.announce = announce
        self.settings = settings

    def budget(self, failed: ReleaseEvent) -> Budget | None:
        """The retry budget of a failed release that may serve: the put-back's own, not the general one."""
        release = failed.release
        if not may_serve(release) or release.standby_colour is None:
            return None
        colour, previous = release.standby_colour.value, release.previous_release or ""
        return Budget(
            self.settings.put_back_budget, BUDGET_SETTING,
            overdue=(f"failed release {release.id} may still serve live traffic on {colour} and the cluster is still "
                     f"away past GREENLIGHT_RETRY_BUDGET; still trying to put release {previous} back"),
            spent=(f"gave up putting release {previous} back: the cluster stayed away past {BUDGET_SETTING}; failed "
                   f"release {release.id} may still serve live traffic on {colour} until the next release's switch "
                   "or a rollback by hand"),
            about={"release": release.id, "colour": colour, "previous": previous})

    async def __call__(self, failed: ReleaseEvent, bus: Bus, *, flip: bool = True) -> None:
        """Without `flip`, only the rest of a put-back whose flip landed: for one given up (its marker, given_up.py),
        which may have flipped and then met the cluster away until its budget was spent."""
        release = failed.release
        colour, previous = release.standby_colour, release.previous_release
        if colour is None or release.image is None:
            return  # never deployed: it cannot serve
        app = AppRef.of(release)
        state = await self.platform.read(app)
        if state.live is colour and state.live_release == release.id:
            if not flip:
                return
            if previous is None or state.colour(colour.other) is None:
                log.error("a failed release serves live traffic and no previous release is there to put back",
                          colour=colour.value)
                return
            log.warning("a failed release serves live traffic; putting the previous release back",
                        colour=colour.value, previous=previous)
            try:
                await flip_back(self.platform, app, colour, previous, self.settings.ready_timeout)
            except PlatformUnavailable:
                raise  # transient: retried (see `budget`), and the flip resumes where the cluster is
            except (Refused, PlatformError) as exc:
                log.error("could not put the previous release back; the failed release still serves",
                          colour=colour.value, previous=previous, reason=str(exc))
                # `flip_back` gave the colour back its mark and replicas; its own timer may have come due while it
                # was held (a no-op then), so a fresh one scales it down as the failed release's switch meant to.
                await self.announce.retire_later(failed, colour.other, previous, while_live=release.id)
                return
        elif previous is None or not _put_back_earlier(state, release, colour, previous):
            return
        elif (back := state.colour(colour.other)) is not None and back.status is not ColourStatus.LIVE:
            # The flip's own follow-up (`flip_back`) met the cluster away: the colour serving is still held.
            await self.platform.mark(app, colour.other, previous, ColourStatus.LIVE)
        mine = state.colour(colour)
        if mine is None or mine.status is not ColourStatus.RELEASED or mine.replicas > 0:  # as read before a flip
            if await self.platform.mark(app, colour, release.id, ColourStatus.RELEASED):
                await self.platform.scale(app, colour, 0, if_release=release.id, if_status=ColourStatus.RELEASED)
        try:
            restored = await self.announce.current(previous)
        except Refused:
            return  # not in the read model: nothing of it to make live again
        if restored.state is ReleaseState.SUPERSEDED:
            await self.announce.publish(bus, event_of(restored).next(
                ReleaseState.LIVE, actor=SERVICE, details={"restored_after_failure_of": release.id}))


def _put_back_earlier(state: AppState, release: Release, colour: Colour, previous: str) -> bool:
    """The previous release serves and the colour of the failed release, which may have served, still runs it: a
    delivery before this one may have put the previous release back without getting to the rest."""
    mine = state.colour(colour)
    return (may_serve(release) and state.live is colour.other and state.live_release == previous
            and mine is not None and mine.release_id == release.id)
