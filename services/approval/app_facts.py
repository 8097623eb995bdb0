"""The warm colour of an app's card: which colour the newest switch or rollback left running, the release
still on it, and when the switcher scales it down (the `scale_down_at` its event records)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.approval.answers import ReleaseOut, WarmColour
from services.shared.db.releases import AppRow, ReleaseDatabase
from services.shared.events import CARRY, ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Colour


def warm_facts(event: ReleaseEvent) -> Mapping[str, Any] | None:
    """The details naming the colour an event left warm and until when: its own, or those it carries."""
    for details in (event.details, event.details.get(CARRY)):
        if isinstance(details, Mapping) and details.get("warm_colour") and details.get("scale_down_at"):
            return details
    return None


async def switched(database: ReleaseDatabase, release_id: str) -> ReleaseEvent | None:
    """The live release's newest event that says what its switch left warm. Its latest one, unless a later event
    of the same switch says nothing of it: a post-promotion check's measurement (`verifying`, which carries it), a
    rollback under way or refused (the colour it would have flipped back to still warm)."""
    latest = await database.latest(release_id)
    if latest is None or warm_facts(latest) is not None or latest.details.get("restored_by_rollback_of"):
        return latest
    said = [s.event for s in await database.history(release_id, [ReleaseState.LIVE, ReleaseState.VERIFYING])
            if s.note is None and warm_facts(s.event) is not None]
    return said[-1] if said else latest


async def warm_colour(database: ReleaseDatabase, row: AppRow) -> WarmColour | None:
    live = row.live
    if live is None:
        return None
    # The live release's own `live` event: a switch leaves the previous release warm on the old colour...
    source = await switched(database, live.id)
    on_it, running = live.previous_release, None
    # Counted from the live release's creation, not its `live`: both it and the releases compared with it were
    # stamped by the API's clock (the switcher's may run ahead), and no release of the app was created between them.
    since = live.created_at if source is not None else None
    if source is not None and source.details.get("restored_by_rollback_of"):
        # ...a restore by rollback leaves the rolled-back release warm; its `rolled_back` event says until when.
        on_it = str(source.details["restored_by_rollback_of"])
        source, running = await database.latest(on_it), await database.get(on_it)
        # A release requested while it was rolling back (which holds no app) may be staged onto its colour once the
        # flip is done: created before `rolled_back`, it replaced what ran there all the same. Any release created
        # after the rolled-back one that took its colour did (the rollback refusal's rule, rollback.py).
        since = running.created_at if running is not None else None
    facts = warm_facts(source) if source is not None else None
    if facts is None or since is None:
        return None
    try:
        colour = Colour(facts["warm_colour"])
        scale_down_at = datetime.fromisoformat(facts["scale_down_at"])
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
