"""The warm colour of an app's card: which colour the newest switch or rollback left running, the release
still on it, and when the switcher scales it down (the `scale_down_at` its event records)."""

from __future__ import annotations

from datetime import datetime

from services.approval.models import ReleaseOut, WarmColour
from services.shared.db.releases import AppRow, ReleaseDatabase, ReleaseFilter
from services.shared.release import Colour

RECENT = 20  # releases created since the switch that could have been deployed over the warm colour


async def warm_colour(database: ReleaseDatabase, row: AppRow) -> WarmColour | None:
    live = row.live
    if live is None:
        return None
    # The live release's own `live` event: a switch leaves the previous release warm on the old colour...
    source = await database.latest(live.id)
    on_it = live.previous_release
    if source is not None and source.details.get("restored_by_rollback_of"):
        # ...a restore by rollback leaves the rolled-back release warm; its `rolled_back` event says until when.
        on_it = str(source.details["restored_by_rollback_of"])
        source = await database.latest(on_it)
    if source is None or not source.details.get("scale_down_at") or not source.details.get("warm_colour"):
        return None
    colour = Colour(source.details["warm_colour"])
    if colour == row.live_colour:
        return None
    # A release deployed to that colour since (in flight, rejected or failed) replaced what ran there.
    newer, _ = await database.page(ReleaseFilter(app=row.app, since=source.occurred_at), RECENT, None)
    if any(r.standby_colour == colour and r.id not in (on_it, live.id) for r in newer):
        return None
    running = await database.get(on_it) if on_it else None
    return WarmColour(colour=colour, release=ReleaseOut.of(running) if running else None,
                      scale_down_at=datetime.fromisoformat(source.details["scale_down_at"]))
