"""Facts of an app's card that come from the switcher's events, not from one release's snapshot.

Written against today's in-memory ReleaseStore (`history`, `of_app`); when the store moves to SQL these
two functions become queries: the newest `live` event of the live release, and the newest event of
the app whose details carry `scale_down_at`.
"""

from __future__ import annotations

from datetime import datetime

from services.approval.models import ReleaseOut, WarmColour
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Colour, Release
from services.shared.store import ReleaseStore


def serving_colour(store: ReleaseStore, live: Release | None) -> Colour | None:
    """The colour the live release serves from. Its snapshot's `live_colour` is the colour that was live
    when it was staged (the switch's expectation), so the switch's own event is asked first."""
    if live is None:
        return None
    for logged in reversed(store.history.get(live.id, [])):
        colour = logged.event.details.get("colour") if logged.event.state == ReleaseState.LIVE else None
        if colour in ("blue", "green"):
            return Colour(colour)
    return live.standby_colour or live.live_colour


def warm_colour(store: ReleaseStore, app: str, live_colour: Colour | None,
                in_flight: Release | None) -> WarmColour | None:
    """The colour the newest switch or rollback left warm, unless it has since been reused."""
    newest: ReleaseEvent | None = None
    for release in store.of_app(app):
        for logged in store.history.get(release.id, ()):
            event = logged.event
            if event.details.get("scale_down_at") and (newest is None or event.occurred_at > newest.occurred_at):
                newest = event
    if newest is None:
        return None
    colour = Colour(newest.details["warm_colour"])
    if colour == live_colour or (in_flight is not None and in_flight.standby_colour == colour):
        return None  # live again, or taken by the next release's deploy
    # A switch leaves the previous release warm; a rollback leaves the rolled-back one.
    on_it = newest.release.previous_release if newest.state == ReleaseState.LIVE else newest.release_id
    running = store.get(on_it) if on_it else None
    return WarmColour(colour=colour, release=ReleaseOut.of(running) if running else None,
                      scale_down_at=datetime.fromisoformat(newest.details["scale_down_at"]))
