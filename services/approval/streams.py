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
from collections import Counter, OrderedDict
from collections.abc import AsyncGenerator, Callable
from typing import cast

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from services.approval.auth import Identity
from services.approval.errors import ApiError, NotFound
from services.approval.fanout import Fanout
from services.approval.models import EventOut, EventStreamParams, ReleaseStreamParams, StreamTicketOut
from services.approval.progress_feed import FEED
from services.approval.routing import Call, reply
from services.approval.tickets import TICKETS
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress
from services.shared.store import LoggedEvent

ENCODED_KEPT = 4096  # recent events kept serialised; a subscriber further behind re-encodes (rare)
SEND_TIMEOUT = 10.0  # seconds a write to one subscriber may take before it is dropped (a stalled client)


class StreamHub:
    """The open streams (so shutdown can end them), their limits, and the shared encoded events."""

    def __init__(self, ping_interval: float, max_streams: int, max_per_identity: int) -> None:
        self.fanout: Fanout | None = None  # made on first use: the database opens in a cleanup context
        self.ping_interval = ping_interval
        self.max_streams = max_streams
        self.max_per_identity = max_per_identity
        self.open: set[EventSourceResponse] = set()
        # Counted at admission, before the first await: counting only once a stream was set up let every request
        # that arrived during the first one's setup (the feed's first query) past the limits.
        self.admitted = 0
        self.by_identity: Counter[str] = Counter()
        self.closing = False
        self.encodings = 0  # how many times an event was serialised: the test and bench read it
        self._encoded: OrderedDict[int, bytes] = OrderedDict()

    def admit(self, caller: Identity) -> None:
        if self.closing:
            raise ApiError("The service is shutting down; reconnect in a moment.", status=503,
                           headers={"Retry-After": "1"})
        if self.admitted >= self.max_streams:
            raise ApiError("Too many event streams are open; retry later.", status=429,
                           headers={"Retry-After": "5"})
        if self.by_identity[caller.name] >= self.max_per_identity:
            raise ApiError(f"{caller.name} already has {self.max_per_identity} event streams open; close one "
                           f"or retry later.", status=429, headers={"Retry-After": "5"})
        self.admitted += 1
        self.by_identity[caller.name] += 1

    def leave(self, caller: Identity) -> None:
        self.admitted -= 1
        self.by_identity[caller.name] -= 1
        if self.by_identity[caller.name] <= 0:
            del self.by_identity[caller.name]

    def encode(self, logged: LoggedEvent) -> bytes:
        """The whole SSE message for an event, made once and shared by every subscriber."""
        payload = self._encoded.get(logged.offset)
        if payload is None:
            out = {**dict(logged.event), "offset": logged.offset, "note": logged.note}
            data = EventOut.model_validate(out).model_dump_json()
            payload = f"id: {logged.offset}\nevent: {logged.event.state.value}\ndata: {data}\n\n".encode()
            self.encodings += 1
            self._encoded[logged.offset] = payload
            if len(self._encoded) > ENCODED_KEPT:
                self._encoded.popitem(last=False)
        return payload

    def feed(self, database: ReleaseDatabase) -> Fanout:
        if self.fanout is None:
            self.fanout = Fanout(database)
        return self.fanout

    async def close_all(self, app: web.Application) -> None:
        self.closing = True
        for response in list(self.open):
            response.stop_streaming()

    async def stop_feed(self, app: web.Application) -> None:
        if self.fanout is not None:
            await self.fanout.close()


HUB = web.AppKey("event_streams", StreamHub)


async def issue_ticket(call: Call[None, None]) -> web.StreamResponse:
    tickets = call.request.app[TICKETS]
    out = StreamTicketOut(ticket=await tickets.issue(call.caller), expires_in=tickets.ttl)
    return reply(out, status=201, headers={"Cache-Control": "no-store"})


async def release_events(call: Call[ReleaseStreamParams, None]) -> web.StreamResponse:
    release_id = call.params.id
    if await call.request.app[DATABASE].get(release_id) is None:
        raise NotFound("There is no release with that id.")
    return await _stream(call, lambda e: e.release_id == release_id, lambda p: p.release_id == release_id,
                         release_id=release_id)


async def all_events(call: Call[EventStreamParams, None]) -> web.StreamResponse:
    app = call.params.app
    return await _stream(call, lambda e: app is None or e.app == app, lambda p: app is None or p.app == app,
                         app=app)


async def _stream(call: Call[ReleaseStreamParams, None] | Call[EventStreamParams, None],
                  match: Callable[[ReleaseEvent], bool], match_progress: Callable[[Progress], bool],
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
        follow = cast(AsyncGenerator[LoggedEvent, None], fanout.events(after, match, release_id, app))
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
                follow: AsyncGenerator[LoggedEvent, None]) -> None:
    async with contextlib.aclosing(follow):
        async for logged in follow:
            async with asyncio.timeout(SEND_TIMEOUT):
                await response.write(hub.encode(logged))


async def _pump_progress(response: EventSourceResponse, progress: asyncio.Queue[Progress]) -> None:
    while True:
        item = await progress.get()
        await response.send(item.model_dump_json(), event="progress")
