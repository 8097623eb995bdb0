"""How long each release in `greenlight history` took: from its request to the end of its own run.

A release's snapshot says when it last changed (`updated_at`). For a failed or rejected release that is when its run
ended, and for one in flight it is how far it has got. A live, superseded, rolling-back or rolled-back release has
moved on since its run ended (superseded days later, or live again after a restore), so its `updated_at` measures
its afterlife: its run ended at the first `live` event in its history, as the dashboard's "Took" reads it
(services/approval/dashboard/core.js `took`). That history is one `GET /releases/{id}` per such row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.cli.client import ApiError, GreenlightClient
from services.cli.render import duration, when
from services.shared.protocol import ReleaseState as S

# Past the end of their run: only their history says when it ended. A rollback from `verifying` never went live, so
# no `live` event ends it and its took is left empty, as on the dashboard.
MOVED_ON = frozenset({S.LIVE.value, S.SUPERSEDED.value, S.ROLLING_BACK.value, S.ROLLED_BACK.value})

# A row's end as its history says: the first `live` event's time, or None when no such event (or history) was read.
Ends = Mapping[str, datetime | None]


def run_ends(client: GreenlightClient, items: Any) -> Ends:
    """The end of each moved-on release's run on this page, read from its history: at most one read per row, so
    never more requests than the page has rows. The client is synchronous, so the reads go one after another."""
    ends: dict[str, datetime | None] = {}
    if not isinstance(items, list):  # the table's own reading says what is wrong with such a page, in one line
        return ends
    gone = False
    for item in items:
        release_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(release_id, str) or item.get("state") not in MOVED_ON or release_id in ends:
            continue
        # A took left empty must not fail the command: the page itself was read. After a failure with no HTTP
        # status (unreachable, timed out, no JSON object) the next read would most likely fail the same way, each
        # after a whole timeout, so the remaining rows are left empty without asking.
        ends[release_id] = None
        if gone:
            continue
        try:
            ends[release_id] = first_live(client.get_release(release_id).get("history"))
        except ApiError as exc:
            gone = exc.status is None
    return ends


def first_live(history: Any) -> datetime | None:
    """When the release first went live (its run's outcome); a later `live` is a restore, not part of its run."""
    for event in history if isinstance(history, list) else ():
        if isinstance(event, dict) and event.get("state") == S.LIVE.value:
            return when(event.get("occurred_at"))
    return None


def took(item: Mapping[str, Any], ends: Ends) -> str:
    """The row's "took": request to the end of its run, or "" when that end could not be read."""
    start, release_id = when(item.get("created_at")), item.get("id")
    if item.get("state") in MOVED_ON:  # its `updated_at` is when it moved on, never the end of its run
        end = ends.get(release_id) if isinstance(release_id, str) else None
    else:
        end = when(item.get("updated_at"))
    return duration((end - start).total_seconds()) if start and end else ""
