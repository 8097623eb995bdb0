"""Server-Sent Events from the release log: live from "now", or resumed after a log offset.

Each SSE message is `id: <offset>`, `event: <state>`, `data: <event JSON>`. Offsets come from the
release log itself, so they are the same on every replica and across restarts: a client that
reconnects anywhere with `Last-Event-ID` gets exactly the events after it, no gap, no duplicate.
Without one a stream starts at the newest offset, sent first as an `id:` alone (no event: EventSource
only takes it as its resume point); history is the JSON API's job (`GET /releases/{id}` carries each event's offset,
to resume from). Streams are bounded per identity and in total (429 with
Retry-After beyond), and each event is serialised once, whatever the number of subscribers. A release's
stream ends after the release's last event; asked again from it or later, the answer is 204.
Progress of a running step comes in between as `event: progress`, `data: <Progress JSON>` and no id,
so it never moves a client's resume point; it is live only (`progress_feed.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import cast

from aiohttp import web
from aiohttp_sse import sse_response

from services.approval.answers import StreamTicketOut
from services.approval.errors import NotFound
from services.approval.params import EventStreamParams, ReleaseStreamParams
from services.approval.progress_feed import FEED
from services.approval.routing import Call, reply
from services.approval.stream_hub import HUB
from services.approval.stream_pump import EndedAtConflict, pump_ended, pump_events, pump_progress
from services.approval.tickets import TICKETS
from services.shared.db.newer_rows import NewerEvent, ShownEvent
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress
from services.shared.protocol import TERMINAL


async def issue_ticket(call: Call[None, None]) -> web.StreamResponse:
    tickets = call.request.app[TICKETS]
    out = StreamTicketOut(ticket=await tickets.issue(call.caller), expires_in=tickets.ttl)
    return reply(out, status=201, headers={"Cache-Control": "no-store"})


async def release_events(call: Call[ReleaseStreamParams, None]) -> web.StreamResponse:
    release_id = call.params.id
    database = call.request.app[DATABASE]
    if not await database.exists(release_id):  # whatever version wrote it (newer_rows.py)
        raise NotFound("There is no release with that id.")

    async def ended_by(after: int) -> bool:
        last = await database.ended_at(release_id)  # the terminal event's offset alone: no history parsed
        return last is not None and after >= last

    async def ended_at_conflict(offset: int, seq: int) -> bool | None:
        """Whether the release ended at a terminal event sent as a conflict: yes once a forgotten record left it
        the release's own; never once the event folded at its seq is the log's (no record left to forget)."""
        # In this order: a forget committing between the two reads is then seen as the end, never as "never".
        logged = await database.logged_at(release_id, seq)
        if await ended_by(offset):
            return True
        return None if logged else False

    return await _stream(call, lambda e: e.release_id == release_id, lambda p: p.release_id == release_id,
                         release_id=release_id, ends=_ends, ended_by=ended_by, ended_at_conflict=ended_at_conflict)


def _ends(shown: ShownEvent) -> bool:
    """The release's own last event: a terminal state, folded as the release's (not a conflict's or late one)."""
    return shown.note is None and isinstance(shown.event, ReleaseEvent) and shown.event.state in TERMINAL


async def all_events(call: Call[EventStreamParams, None]) -> web.StreamResponse:
    app = call.params.app
    return await _stream(call, lambda e: app is None or e.app == app, lambda p: app is None or p.app == app,
                         app=app)


async def _stream(call: Call[ReleaseStreamParams, None] | Call[EventStreamParams, None],
                  match: Callable[[ReleaseEvent | NewerEvent], bool], match_progress: Callable[[Progress], bool],
                  *, release_id: str | None = None, app: str | None = None,
                  ends: Callable[[ShownEvent], bool] = lambda _: False,
                  ended_by: Callable[[int], Awaitable[bool]] | None = None,
                  ended_at_conflict: EndedAtConflict | None = None) -> web.StreamResponse:
    """`ends`: the stream ends once it sent such an event; `ended_by`: whether one came by the starting offset;
    `ended_at_conflict`: whether the release ended at a terminal event sent as a conflict (stream_pump.py)."""
    request, caller = call.request, call.caller
    hub = request.app[HUB]
    hub.admit(caller)
    try:
        fanout = hub.feed(request.app[DATABASE])
        # Without Last-Event-ID: from the newest event handed to the open streams (one query per process, not
        # one per stream: 2,000 streams connecting were 2,000 queries).
        after, resumed = call.params.after, call.params.after is not None
        if after is None:
            after = await fanout.now()
        if ended_by is not None and await ended_by(after):  # read after `now`: a later end comes by the stream
            # Nothing will ever follow: 204 is what tells an EventSource to stop reconnecting (HTML standard). A
            # stream left open after the end held one of its identity's streams for as long as the client stayed.
            return web.Response(status=204)
        # follow() is an async generator; closing it explicitly ends it without leaving a finaliser task.
        follow = cast(AsyncGenerator[ShownEvent, None], fanout.events(after, match, release_id, app))
        with request.app[FEED].listen(match_progress) as progress:
            async with sse_response(request, ping_interval=hub.ping_interval) as response:
                hub.open.add(response)
                if not resumed:
                    # The point chosen here, as an id with no data (it sets EventSource's resume point, and
                    # dispatches nothing): a client dropped before the first event would otherwise reconnect with
                    # no Last-Event-ID, start at a later "now" and miss what came in between.
                    await response.write(f"id: {after}\n\n".encode())
                if hub.closing:  # shutdown began while this stream was being set up: close_all missed it
                    response.stop_streaming()
                pumps = [asyncio.create_task(pump_events(hub, response, follow, ends, ended_at_conflict)),
                         asyncio.create_task(pump_progress(response, progress))]
                for pump in pumps:
                    pump.add_done_callback(pump_ended(request.transport, response))
                try:
                    await response.wait()  # until the client leaves or shutdown calls stop_streaming
                finally:
                    hub.open.discard(response)
                    for pump in pumps:
                        pump.cancel()
                    await asyncio.gather(*pumps, return_exceptions=True)
    finally:
        hub.leave(caller)
    return response
