"""Asking for releases and reading them: the database answers reads, the desk publishes requests."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from services.approval.answers import AppStatus, ReleaseDetail, ReleaseOut, ReleasePage, WarmColour
from services.approval.app_facts import warm_colour
from services.approval.colour_facts import colour_replicas
from services.approval.errors import NotFound
from services.approval.handlers import DESK
from services.approval.models import ReleaseRequest
from services.approval.paging import decode_cursor, encode_cursor
from services.approval.params import AppPath, ReleasePath, ReleaseQuery
from services.approval.quorum import approval_status
from services.approval.routing import Call, reply
from services.approval.shown_json import event_json, release_json, reply_shown
from services.shared.db.newer_rows import NewerEvent, NewerRelease
from services.shared.db.releases import AppRow, ReleaseDatabase, ReleaseFilter
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.release import Release


async def create_release(call: Call[None, ReleaseRequest]) -> web.StreamResponse:
    release = await call.request.app[DESK].request(call.body, call.caller)
    out = ReleaseOut.of(release)
    return reply(out, 202, headers={"Location": out.links.self})


async def list_releases(call: Call[ReleaseQuery, None]) -> web.StreamResponse:
    query = call.params
    where = ReleaseFilter(app=query.app, state=query.state, requested_by=query.requested_by,
                          approver=query.approver, since=query.since, until=query.until)
    after = decode_cursor(query.cursor) if query.cursor else None
    items, more = await call.request.app[DATABASE].shown_page(where, query.limit, after)
    next_cursor = encode_cursor(items[-1]) if more and items else None
    return reply_shown(ReleasePage, {"items": [release_json(r) for r in items], "next_cursor": next_cursor},
                       any(isinstance(r, NewerRelease) for r in items))


async def get_release(call: Call[ReleasePath, None]) -> web.StreamResponse:
    release, stored = await call.request.app[DATABASE].shown_detail(call.params.id)
    if release is None:
        raise NotFound("There is no release with that id.")
    desk = call.request.app[DESK]
    # The approval status is this version's reading of this version's events: none of a release a newer one moved.
    folded = [s.event for s in stored if s.note is None and isinstance(s.event, ReleaseEvent)]
    approval = await approval_status(desk.approvals, desk.settings.policy, folded) if isinstance(
        release, Release) else None
    return reply_shown(ReleaseDetail, {"release": release_json(release, approval),
                                       "history": [event_json(s) for s in stored]},
                       isinstance(release, NewerRelease) or any(isinstance(s.event, NewerEvent) for s in stored))


async def get_app(call: Call[AppPath, None]) -> web.StreamResponse:
    database = call.request.app[DATABASE]
    row = await database.app(call.params.app)
    warm = await _warm(database, row)
    # live_colour: the colour the live release runs on, as the switcher switched it (apps table).
    return reply_shown(AppStatus, {
        "app": row.app, "live_colour": row.live_colour, "live_release": _out(row, "live"),
        "standby_release": _standby(row, warm), "in_flight": _out(row, "in_flight"),
        "warm": warm,
        "colours": await colour_replicas(call.request.app, row, call.request.app[DESK].settings.colour_facts_timeout),
    }, bool(row.newer))


async def _warm(database: ReleaseDatabase, row: AppRow) -> WarmColour | None:
    try:
        return await warm_colour(database, row)
    except ValidationError:  # its events' (typed) read met a newer Greenlight's event: no warm colour it can tell
        return None


def _standby(row: AppRow, warm: WarmColour | None) -> ReleaseOut | dict[str, Any] | None:
    """The release on the standby colour: the one in flight once staged there, else the one the warm colour still
    runs. The row's own fallback, the newest superseded release, may run nowhere any more: a release staged on its
    colour since and rejected or failed replaced it, or a rollback put another there; `warm_colour` tells."""
    staged, in_flight = row.newer.get("standby") or row.standby, row.newer.get("in_flight") or row.in_flight
    if staged is not None and in_flight is not None and staged.id == in_flight.id:
        return _out(row, "standby")
    if warm is None and "standby" in row.newer:
        # A newer Greenlight's release, which this version cannot tell the warm colour of: shown as stored, so that
        # the dashboard offers no rollback to it (a newer replica must act on it).
        return _out(row, "standby")
    return warm.release if warm is not None else None


def _out(row: AppRow, name: str) -> ReleaseOut | dict[str, Any] | None:
    release: Release | NewerRelease | None = row.newer.get(name) or getattr(row, name)
    return release_json(release) if release is not None else None
