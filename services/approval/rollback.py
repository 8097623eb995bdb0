"""`POST /apps/{app}/rollback`: the live release goes back to the warm colour, which still runs the release it
replaced (restore.py brings back any earlier release instead)."""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from services.approval.auth import Identity
from services.approval.errors import Conflict
from services.approval.gate import UnknownHere, refusing_newer
from services.approval.handlers import ReleaseDesk
from services.shared.db.fold import SameChange
from services.shared.db.newer_rows import NewerRelease
from services.shared.db.release_reads import AppRow
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.shared.release import Release

log = structlog.get_logger(__name__)


async def rollback(desk: ReleaseDesk, app: str, reason: str, caller: Identity) -> Release:
    """Publish `rolling_back` for the live release. Effect check: once it is rolling back, a repeat publishes
    nothing new and is answered as `_repeat_or_refuse` says, as is the second of two concurrent rollbacks. 409 too
    when a release it reads is one a newer Greenlight left in a state this version does not know (gate.py)."""
    async with refusing_newer(desk.store, app=app) as read:
        return await _rollback(desk, app, reason, caller, read)


async def _rollback(desk: ReleaseDesk, app: str, reason: str, caller: Identity, read: list[str]) -> Release:
    await desk.check_free(app)
    live = known_live(await desk.store.app(app))
    if live is None:
        raise Conflict(f"{app} has no live release to roll back.")
    if live.state is ReleaseState.ROLLING_BACK:
        # A repeat: its caller's retry (after a 503 whose publish may not have reached the broker) publishes the
        # recorded `rolling_back` again if the log never echoed it; anyone else's is refused, naming who.
        return await _repeat_or_refuse(desk, await desk.latest_event(live), caller)
    read += [live.id, *([live.previous_release] if live.previous_release else [])]
    previous = await desk.store.get(live.previous_release) if live.previous_release else None
    # The one later release that took the other colour, if any, found by the database among all of them.
    others = [live.id, live.previous_release] if live.previous_release else [live.id]
    staged = await desk.store.staged_since_shown(app, live.created_at, others)
    if isinstance(staged, NewerRelease):  # whether it took the warm colour is for a newer replica to read
        raise UnknownHere(staged.id, staged.why)
    if (refusal := rollback_refusal(live, previous, [staged] if staged is not None else [])) is not None:
        raise Conflict(f"{app} cannot be rolled back: {refusal}.", state=live.state)
    event = (await desk.latest_event(live)).next(ReleaseState.ROLLING_BACK, actor=caller.name,
                                            details={"reason": reason})
    try:
        await desk.publish(event)
    except SameChange:
        return await _repeat_or_refuse(desk, event, caller)
    log.info("rollback requested", release=live.id, app=app, by=caller.name)
    return event.release


def known_live(row: AppRow) -> Release | None:
    """The app's live release; UnknownHere for one a newer Greenlight wrote, which the typed read shows as none
    though it is there: a rollback (to the warm colour, or `to` any earlier release) switches away from it, and a
    newer replica must act on it. A new release requested meanwhile reads nothing of the live one that it acts on."""
    if "live" in row.newer:
        raise UnknownHere(row.newer["live"].id, row.newer["live"].why)
    return row.live


async def _repeat_or_refuse(desk: ReleaseDesk, ours: ReleaseEvent, caller: Identity) -> Release:
    """Another rollback of the same release was recorded first (two operators, or a client retrying a slow
    request): the same caller gets the release as it is NOW, as for a repeated decision, anyone else 409
    naming who rolled it back, so nobody reads 202 for a rollback that was not theirs."""
    release = await desk.get(ours.release_id)
    by = next((stored.event.actor for stored in await desk.store.history(release.id)
               if stored.event.seq == ours.seq and stored.note is None), None)
    if by is None:  # the other rollback's publish was refused and its record undone meanwhile
        raise Conflict("The release changed meanwhile; reload and retry.", state=release.state)
    if by == caller.name:
        await desk.echo(release, now=True)  # a retry: what was recorded is published at least once
        return release
    raise Conflict(f"{release.app} was already rolled back by {by}; release {release.id} is now "
                   f"{release.state.value}.", state=release.state)


def rollback_refusal(live: Release, previous: Release | None, later: Iterable[Release]) -> str | None:
    """Why the switcher would refuse to roll `live` back, known from release state alone, or None.

    The same checks as `services/switcher/rollback.py`, made here so the caller hears the reason at once
    (409) instead of a 202 followed by a refusal in the background. `previous` is the release `live`
    replaced; `later` the app's releases created since `live` was, or only those of them that took a colour
    (`rollback` passes the newest such one, which the database finds among any number: `staged_since`).
    """
    colour, previous_id = live.standby_colour, live.previous_release
    if colour is None or previous_id is None:
        return f"release {live.id} is the first release of {live.app}, there is nothing to go back to"
    if previous is None or previous.state is not ReleaseState.SUPERSEDED:
        now = previous.state.value if previous is not None else "unknown"
        return f"the previous release {previous_id} is {now} and cannot go live again"
    # A later release that reached the cluster was staged on the only other colour: what ran there is gone.
    reused = next((r for r in later if r.id not in (live.id, previous_id) and r.created_at > live.created_at
                   and (r.standby_colour is not None or (r.error is not None and r.error.step == "deploy"))),
                  None)
    if reused is not None:
        return (f"the {colour.other.value} colour no longer runs release {previous_id}: "
                f"release {reused.id} was staged on it since")
    return None
