"""Asking for releases and reading them: the store answers reads, the desk publishes requests."""

from __future__ import annotations

from aiohttp import web

from services.approval.app_facts import serving_colour, warm_colour
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
from services.approval.paging import page
from services.approval.routing import Call, reply
from services.shared.protocol import IN_FLIGHT, ReleaseState
from services.shared.release import Release
from services.shared.runtime import STORE
from services.shared.store import ReleaseStore


async def create_release(call: Call[None, ReleaseRequest]) -> web.StreamResponse:
    release = await call.request.app[DESK].request(call.body, call.caller)
    out = ReleaseOut.of(release)
    return reply(out, 202, headers={"Location": out.links.self})


async def list_releases(call: Call[ReleaseQuery, None]) -> web.StreamResponse:
    query = call.params
    matching = (r for r in call.request.app[STORE].releases.values()
                if (query.app is None or r.app == query.app) and (query.state is None or r.state == query.state))
    items, next_cursor = page(matching, query.limit, query.cursor)
    return reply(ReleasePage(items=[ReleaseOut.of(r) for r in items], next_cursor=next_cursor))


async def get_release(call: Call[ReleasePath, None]) -> web.StreamResponse:
    store = call.request.app[STORE]
    release = store.get(call.params.id)
    if release is None:
        raise NotFound("There is no release with that id.")
    history = [EventOut.model_validate({**dict(logged.event), "offset": logged.offset})
               for logged in store.history.get(release.id, ())]
    return reply(ReleaseDetail(release=ReleaseOut.of(release), history=history))


async def get_app(call: Call[AppPath, None]) -> web.StreamResponse:
    store = call.request.app[STORE]
    app = call.params.app
    live = store.live(app)
    in_flight = store.in_flight(app)
    standby = _standby(store, app, in_flight)
    colour = serving_colour(store, live)
    return reply(AppStatus(
        app=app, live_colour=colour,
        live_release=_out(live), standby_release=_out(standby), in_flight=_out(in_flight),
        warm=warm_colour(store, app, colour, in_flight),
    ))


def _standby(store: ReleaseStore, app: str, in_flight: Release | None) -> Release | None:
    """A release deployed on the standby colour (waiting to go live), else the warm one kept for rollback."""
    if in_flight is not None and in_flight.standby_colour is not None and in_flight.state in IN_FLIGHT:
        return in_flight
    return next((r for r in store.of_app(app) if r.state == ReleaseState.SUPERSEDED), None)


def _out(release: Release | None) -> ReleaseOut | None:
    return ReleaseOut.of(release) if release is not None else None
