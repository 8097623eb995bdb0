"""Server-Sent Events from the release log: live from "now", or resumed after a log offset.

Each SSE message is `id: <offset>`, `event: <state>`, `data: <event JSON>`. Offsets come from the
release log itself, so they are the same on every replica and across restarts: a client that
reconnects anywhere with `Last-Event-ID` gets exactly the events after it, no gap, no duplicate.
Without one a stream starts at the newest offset: history is the JSON API's job (`GET /releases/{id}`
carries each event's offset, to resume from). Streams are bounded per identity and in total (429 with
Retry-After beyond), and each event is serialised once, whatever the number of subscribers.
Progress of a running step comes in between as `event: progress`, `data: <Progress JSON>` and no id,
so it never moves a client's resume point; it is live only (`progress_feed.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import cast

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from services.approval.answers import StreamTicketOut
from services.approval.errors import NotFound
from services.approval.params import EventStreamParams, ReleaseStreamParams
from services.approval.progress_feed import FEED
from services.approval.routing import Call, reply
from services.approval.stream_hub import HUB, StreamHub
from services.approval.tickets import TICKETS
from services.shared.db.newer_rows import NewerEvent, ShownEvent
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress

SEND_TIMEOUT = 10.0  # seconds a write to one subscriber may take before it is dropped (a stalled client)


async def issue_ticket(call: Call[None, None]) -> web.StreamResponse:
    tickets = call.request.app[TICKETS]
    out = StreamTicketOut(ticket=await tickets.issue(call.caller), expires_in=tickets.ttl)
    return reply(out, status=201, headers={"Cache-Control": "no-store"})


async def release_events(call: Call[ReleaseStreamParams, None]) -> web.StreamResponse:
    release_id = call.params.id
    if not await call.request.app[DATABASE].exists(release_id):  # whatever version wrote it (newer_rows.py)
        raise NotFound("There is no release with that id.")
    return await _stream(call, lambda e: e.release_id == release_id, lambda p: p.release_id == release_id,
                         release_id=release_id)


async def all_events(call: Call[EventStreamParams, None]) -> web.StreamResponse:
    app = call.params.app
    return await _stream(call, lambda e: app is None or e.app == app, lambda p: app is None or p.app == app,
                         app=app)


async def _stream(call: Call[ReleaseStreamParams, None] | Call[EventStreamParams, None],
                  match: Callable[[ReleaseEvent | NewerEvent], bool], match_progress: Callable[[Progress], bool],
                  *, release_id: str | None = None, app: str | None = None) -> web.StreamResponse:
    request, caller = call.request, call.caller
    hub = request.app[HUB]
    hub.admit(caller)
    try:
        fanout = hub.feed(request.app[DATABASE])
        # Without Last-Event-ID: from the newest event handed to the open streams (one query per process, not
        # one per stream: 2,000 streams connecting were 2,000 queries).
        after = call.params.after if call.params.after is not None else await fanout.now()
        # follow() is an async generator; closing it explicitly ends it without leaving a finaliser task.
        follow = cast(AsyncGenerator[ShownEvent, None], fanout.events(after, match, release_id, app))
        with request.app[FEED].listen(match_progress) as progress:
            async with sse_response(request, ping_interval=hub.ping_interval) as response:
                hub.open.add(response)
                if hub.closing:  # shutdown began while this stream was being set up: close_all missed it
                    response.stop_streaming()
                pumps = [asyncio.create_task(_pump(hub, response, follow)),
                         asyncio.create_task(_pump_progress(response, progress))]
                # A failed send ends a pump; then the stream ends too rather than idling until the next ping.
                for pump in pumps:
                    pump.add_done_callback(lambda _: response.stop_streaming())
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


async def _pump(hub: StreamHub, response: EventSourceResponse,
                follow: AsyncGenerator[ShownEvent, None]) -> None:
    async with contextlib.aclosing(follow):
        async for logged in follow:
            async with asyncio.timeout(SEND_TIMEOUT):
                await response.write(hub.encode(logged))


async def _pump_progress(response: EventSourceResponse, progress: asyncio.Queue[Progress]) -> None:
    while True:
        item = await progress.get()
        await response.send(item.model_dump_json(), event="progress")
