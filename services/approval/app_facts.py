"""The warm colour of an app's card: which colour the newest switch or rollback left running, the release
still on it, and when the switcher scales it down (the `scale_down_at` its event records)."""

from __future__ import annotations

from datetime import datetime

from services.approval.answers import ReleaseOut, WarmColour
from services.shared.db.releases import AppRow, ReleaseDatabase
from services.shared.release import Colour


async def warm_colour(database: ReleaseDatabase, row: AppRow) -> WarmColour | None:
    live = row.live
    if live is None:
        return None
    # The live release's own `live` event: a switch leaves the previous release warm on the old colour...
    source = await database.latest(live.id)
    on_it, running = live.previous_release, None
    since = source.occurred_at if source is not None else None
    if source is not None and source.details.get("restored_by_rollback_of"):
        # ...a restore by rollback leaves the rolled-back release warm; its `rolled_back` event says until when.
        on_it = str(source.details["restored_by_rollback_of"])
        source, running = await database.latest(on_it), await database.get(on_it)
        # A release requested while it was rolling back (which holds no app) may be staged onto its colour once the
        # flip is done: created before `rolled_back`, it replaced what ran there all the same. Any release created
        # after the rolled-back one that took its colour did (the rollback refusal's rule, rollback.py).
        since = running.created_at if running is not None else None
    if source is None or since is None or not source.details.get("scale_down_at") \
            or not source.details.get("warm_colour"):
        return None
    try:
        colour = Colour(source.details["warm_colour"])
        scale_down_at = datetime.fromisoformat(source.details["scale_down_at"])
    except (ValueError, TypeError):  # a newer switcher's colour or time format: no warm colour this version can tell
        return None
    if colour == row.live_colour:
        return None
    # A release deployed to that colour since (in flight, rejected or failed, or failed deploying onto it) replaced
    # what ran there: the rollback refusal's rule (rollback.py), asked of the database among any number since.
    staged = await database.staged_since(row.app, since, [i for i in (on_it, live.id) if i])
    if staged is not None and staged.standby_colour in (colour, None):
        return None
    if running is None and on_it:
        running = await database.get(on_it)
    return WarmColour(colour=colour, release=ReleaseOut.of(running) if running else None,
                      scale_down_at=scale_down_at)
