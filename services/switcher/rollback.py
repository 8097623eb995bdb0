"""rolling_back -> rolled_back for the release and `live` for the one restored; or `live` again, refused.

Within the scale-down delay the previous colour still runs, so a rollback is a selector flip; after
it, the colour is scaled up and waited for first. The colour is marked `live` before the flip,
which turns a pending scale-down timer for it (a patch conditional on `retired`) into a no-op, and held (HELD)
from just before the flip until it has landed, across retries; a rollback that ends without the flip lets go of
it: refused, at once (`flip_back`); given up, on the `live` that says so (hold.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.platform import (
    AppRef,
    AppState,
    ColourStatus,
    Platform,
    PlatformError,
    PlatformUnavailable,
)
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release
from services.switcher.announce import SERVICE, Announcer, Refused, event_of
from services.switcher.flip_back import HELD, flip_back
from services.switcher.settings import SwitcherSettings
from services.switcher.warm import warm_until

__all__ = ["HELD", "RollBack", "flip_back"]  # HELD and flip_back are imported from here too

log = structlog.get_logger(__name__)


class RollBack:
    def __init__(self, platform: Platform, announce: Announcer, settings: SwitcherSettings,
                 let_go: Callable[[ReleaseEvent], Awaitable[bool]]) -> None:
        self.platform = platform
        self.announce = announce
        self.settings = settings
        self.let_go = let_go  # hold.py: what a refusal leaves of the colour it held, a fresh scale-down timer included

    async def __call__(self, rolling: ReleaseEvent, bus: Bus) -> None:
        """Idempotent: if live already is the previous colour with the previous release's id, nothing
        is switched; the marks are re-applied (no-op writes) and the same events re-emitted. A `rolling_back`
        the log holds after another event with its seq (another analysis replica's `live`) is not acted on: the
        release is what the read model kept; nor one the read model shows refused or given up already."""
        if not await self.announce.kept(rolling):
            log.warning("the read model kept another event at this seq (logged first, or this one refused by the "
                        "table); not rolling back on this one")
            return
        if await self._settled(rolling):
            log.warning("this rollback was refused or given up already; not acting on it again")
            return
        release = rolling.release
        app, colour, previous = AppRef.of(release), release.standby_colour, release.previous_release
        restored: Release | None = None
        try:
            if colour is None or previous is None:
                raise Refused("there is no previous release to roll back to")
            restored = await self.announce.current(previous)
            state = await self.platform.read(app)
            if restored.state is ReleaseState.LIVE and state.live_release == release.id:
                # This release went live, so its switch marked the previous one superseded before publishing
                # `live`, and records that after publishing it: the read model is behind, not the platform.
                restored = await self.announce.caught_up(previous, lambda r: r.state is not ReleaseState.LIVE)
            if state.live is colour.other and state.live_release == previous:
                await self.platform.mark(app, colour.other, previous, ColourStatus.LIVE)
            else:
                await self._restore(app, state, release, colour, previous, restored)
            await self.platform.mark(app, colour, release.id, ColourStatus.RETIRED)
        except PlatformUnavailable:
            raise
        except (Refused, PlatformError) as exc:
            log.warning("rollback refused", reason=str(exc))
            refused = rolling.next(ReleaseState.LIVE, actor=SERVICE, details={"rollback_refused": str(exc)})
            # Before the refusal is published: delivered again after it, this rollback is not acted on (`_settled`).
            # The cluster away retries the rollback; any other answer leaves the colour as flip_back left it.
            landed = False
            try:
                landed = await self.let_go(refused)
            except PlatformUnavailable:
                raise
            except PlatformError as error:
                log.warning("could not set the refused rollback's colour a scale-down", error=str(error))
            if not landed or restored is None or colour is None or previous is None:
                if landed:  # the previous release not in the read model: nothing to record it live from
                    log.error("the rollback's flip had landed, but the release it restored is unknown here; "
                              "the log keeps this release live", release=release.id, previous=previous)
                await self.announce.publish(bus, refused)
                return
            # The flip had landed (an error after the selector's patch): rolled back, whatever was refused after it.
            # Published as such at once: a refusal published first was `_settled` on a retry, left for good.
            log.warning("the rollback's flip had landed; recording it as done", release=release.id)
            try:  # the mark the error cut short, again: marked `live` still, its colour's scale-down timer is a no-op
                await self.platform.mark(app, colour, release.id, ColourStatus.RETIRED)
            except PlatformUnavailable:
                raise
            except PlatformError as error:
                log.warning("could not mark the rolled-back release's colour retired; it stays up until the app's "
                            "next release takes it", colour=colour.value, error=str(error))
        assert colour is not None and previous is not None and restored is not None
        # Why, repeated from the request (a person's reason, or the failed checks'), so a notification says it.
        why = {"reason": rolling.details["reason"]} if rolling.details.get("reason") else {}
        rolled_back = rolling.next(ReleaseState.ROLLED_BACK, actor=SERVICE,
                                   details={"restored": previous, "colour": colour.other.value, **why,
                                            **warm_until(colour, self.settings.scale_down_delay)})
        await self.announce.retire_later(rolled_back, colour, release.id, while_live=previous)
        await self.announce.publish(bus, rolled_back)
        if restored.state is ReleaseState.SUPERSEDED:
            await self.announce.publish(bus, event_of(restored).next(
                ReleaseState.LIVE, actor=SERVICE, details={"restored_by_rollback_of": release.id}))
        elif restored.state is ReleaseState.LIVE:
            await self.announce.publish(bus, event_of(restored))  # a repeat: the same event again

    async def _settled(self, rolling: ReleaseEvent) -> bool:
        """Whether the read model holds an outcome of this rollback other than its own `rolled_back` (a refusal or a
        give-up: `live`; a later rollback's events). Delivered again (the process died between publishing the refusal
        and the ack, a dead letter replayed), it would run again and flip if the refusal's cause had gone, the log
        keeping `live` for a release nobody is served by."""
        now = await self.announce.store.get(rolling.release_id)
        if now is None or now.seq <= rolling.seq:
            return False
        return not (now.state is ReleaseState.ROLLED_BACK and now.seq == rolling.seq + 1)

    async def _restore(self, app: AppRef, state: AppState, release: Release, colour: Colour, previous: str,
                       restored: Release) -> None:
        if state.live is not colour or state.live_release != release.id:
            raise Refused(f"release {release.id} is not live "
                          f"(live: {state.live or 'none'} with release {state.live_release})")
        if restored.state is not ReleaseState.SUPERSEDED:
            raise Refused(f"release {previous} is {restored.state.value} and cannot go live again")
        if state.colour(colour.other) is None:
            raise Refused(f"{colour.other} no longer runs release {previous}")
        await flip_back(self.platform, app, colour, previous, self.settings.ready_timeout)
