"""Asking for releases and reading them: the database answers reads, the desk publishes requests."""

from __future__ import annotations

from aiohttp import web

from services.approval.app_facts import warm_colour
from services.approval.colour_facts import colour_replicas
from services.approval.errors import NotFound
from services.approval.handlers import DESK
from services.approval.models import (
    AppPath,
    AppStatus,
    EventOut,
    ReleaseDetail,
    ReleaseOut,
    ReleasePage,
    ReleasePath,
    ReleaseQuery,
    ReleaseRequest,
)
from services.approval.paging import decode_cursor, encode_cursor
from services.approval.quorum import approval_status
from services.approval.routing import Call, reply
from services.shared.db.releases import ReleaseFilter
from services.shared.db.runtime import DATABASE
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
    items, more = await call.request.app[DATABASE].page(where, query.limit, after)
    next_cursor = encode_cursor(items[-1]) if more and items else None
    return reply(ReleasePage(items=[ReleaseOut.of(r) for r in items], next_cursor=next_cursor))


async def get_release(call: Call[ReleasePath, None]) -> web.StreamResponse:
    release, stored = await call.request.app[DATABASE].detail(call.params.id)
    if release is None:
        raise NotFound("There is no release with that id.")
    history = [EventOut.model_validate({**dict(s.event), "offset": s.offset, "note": s.note}) for s in stored]
    desk = call.request.app[DESK]
    approval = await approval_status(desk.approvals, desk.settings.policy, [s.event for s in stored if s.note is None])
    return reply(ReleaseDetail(release=ReleaseOut.of(release, approval), history=history))


async def get_app(call: Call[AppPath, None]) -> web.StreamResponse:
    database = call.request.app[DATABASE]
    row = await database.app(call.params.app)
    # live_colour: the colour the live release runs on, as the switcher switched it (apps table).
    return reply(AppStatus(
        app=row.app, live_colour=row.live_colour, live_release=_out(row.live),
        standby_release=_out(row.standby), in_flight=_out(row.in_flight), warm=await warm_colour(database, row),
        colours=await colour_replicas(call.request.app, row, call.request.app[DESK].settings.colour_facts_timeout),
    ))


def _out(release: Release | None) -> ReleaseOut | None:
    return ReleaseOut.of(release) if release is not None else None
