"""The open event streams, their limits and the events serialised once for all of them (streams.py serves them).

The hub is what shutdown ends (`close_all`), what admission counts (per identity and in total: 429 with
Retry-After beyond), and where each event's SSE message is made once, whatever the number of subscribers.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

import pydantic_core
from aiohttp import web
from aiohttp_sse import EventSourceResponse

from services.approval.answers import EventOut
from services.approval.auth import Identity
from services.approval.errors import ApiError
from services.approval.fanout import Fanout
from services.approval.shown_json import event_json
from services.shared.db.newer_rows import NewerEvent, ShownEvent
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import ReleaseEvent

ENCODED_KEPT = 4096  # recent events kept serialised; a subscriber further behind re-encodes (rare)


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
        # Keyed by the note too: a desk's forgotten record folds the log's event at that offset again, a `conflict`
        # no more (releases.py `forget`), and a stream resumed from before it is sent it as the history shows it.
        self._encoded: OrderedDict[tuple[int, str | None], bytes] = OrderedDict()

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

    def encode(self, logged: ShownEvent) -> bytes:
        """The whole SSE message for an event, made once and shared by every subscriber. One a newer Greenlight wrote
        is sent as stored, under its state's name (shown_json.py), not left to end the stream."""
        offset = logged.offset or 0  # a followed event always has its offset
        key = (offset, logged.note)
        payload = self._encoded.get(key)
        if payload is None:
            out = event_json(logged)
            data = out.model_dump_json() if isinstance(out, EventOut) else pydantic_core.to_json(out).decode()
            payload = f"id: {offset}\nevent: {_state_name(logged.event)}\ndata: {data}\n\n".encode()
            self.encodings += 1
            self._encoded[key] = payload
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


def _state_name(event: ReleaseEvent | NewerEvent) -> str:
    return event.state.value if isinstance(event, ReleaseEvent) else event.state
