"""Server-Sent Events from the release log: history first, then live, resumable by log offset.

Each SSE message is `id: <offset>`, `event: <state>`, `data: <event JSON>`. Offsets come from the
release log itself, so they are the same on every replica and across restarts: a client that
reconnects anywhere with `Last-Event-ID` gets exactly the events after it, no gap, no duplicate.
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

from services.approval.errors import ApiError, NotFound
from services.approval.models import EventOut, EventStreamParams, ReleaseStreamParams
from services.approval.progress_feed import FEED
from services.approval.routing import Call
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress
from services.shared.store import LoggedEvent


class StreamHub:
    """The open streams, so that shutdown can end them: a stream otherwise waits for events forever."""

    def __init__(self, ping_interval: float) -> None:
        self.ping_interval = ping_interval
        self.open: set[EventSourceResponse] = set()
        self.closing = False

    async def close_all(self, app: web.Application) -> None:
        self.closing = True
        for response in list(self.open):
            response.stop_streaming()


HUB = web.AppKey("event_streams", StreamHub)


async def release_events(call: Call[ReleaseStreamParams, None]) -> web.StreamResponse:
    release_id = call.params.id
    if await call.request.app[DATABASE].get(release_id) is None:
        raise NotFound("There is no release with that id.")
    return await _stream(call.request, call.params.after, lambda e: e.release_id == release_id,
                         lambda p: p.release_id == release_id)


async def all_events(call: Call[EventStreamParams, None]) -> web.StreamResponse:
    app = call.params.app
    return await _stream(call.request, call.params.after, lambda e: app is None or e.app == app,
                         lambda p: app is None or p.app == app, app)


async def _stream(request: web.Request, after: int, match: Callable[[ReleaseEvent], bool],
                  match_progress: Callable[[Progress], bool], app: str | None = None) -> web.StreamResponse:
    hub = request.app[HUB]
    if hub.closing:
        raise ApiError("The service is shutting down; reconnect in a moment.", status=503,
                       headers={"Retry-After": "1"})
    # follow() is an async generator; closing it explicitly ends it without leaving a finaliser task.
    follow = cast(AsyncGenerator[LoggedEvent, None], request.app[DATABASE].follow(after, match, app))
    with request.app[FEED].listen(match_progress) as progress:
        async with sse_response(request, ping_interval=hub.ping_interval) as response:
            hub.open.add(response)
            pumps = [asyncio.create_task(_pump(response, follow)),
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
    return response


async def _pump_progress(response: EventSourceResponse, progress: asyncio.Queue[Progress]) -> None:
    while True:
        item = await progress.get()
        await response.send(item.model_dump_json(), event="progress")


async def _pump(response: EventSourceResponse, follow: AsyncGenerator[LoggedEvent, None]) -> None:
    async with contextlib.aclosing(follow):
        async for logged in follow:
            data = EventOut.model_validate({**dict(logged.event), "offset": logged.offset})
            await response.send(data.model_dump_json(), id=str(logged.offset), event=logged.event.state.value)
