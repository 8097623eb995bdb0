"""What one HTTP client can hold in a service: a deadline on each request's head and a ceiling on open connections.

aiohttp (3.14) has no deadline on a request's line and headers: a client that trickles them (slowloris) is closed
only by the keep-alive timer, armed when the connection opens or a response ends and not restarted by data; that is
`run_app`'s 75 s (aiohttp's own default, which `TestServer` keeps, is 3,630 s), and it cannot be shortened without
also closing idle keep-alive connections that early, which a proxy in front still means to reuse (its idle timeout is
commonly 60 s; a backend that closes first turns the proxy's next request on the connection into a 502). Its
`read_timeout`-like knobs do not exist for the server, `timeout_ceil_threshold` only rounds timeouts, and
`handler_args` can set only `RequestHandler`'s keyword arguments, none of which is per connection. So the protocol is
subclassed here, as Go's `http.Server.ReadHeaderTimeout` works: the first head counts from the connection, a later
one from its first byte; the idle time between requests stays aiohttp's keep-alive. Past the deadline a client that
had begun its head is answered 408 (`Connection: close`) and closed; one that sent nothing is closed.

Nothing is added per request but two attribute reads and a store per read of the socket: the deadline is checked by
one sweep a tick over the open connections, as Node's `headersTimeout` is (`connectionsCheckingInterval`)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

TICKS_PER_DEADLINE = 4  # a head is cut within a quarter of its deadline after it


@dataclass(frozen=True)
class ConnectionLimits:
    header_read_seconds: float
    max_connections: int
    header_setting: str  # named in the 408
    connections_setting: str  # named when the process's file limit is too low


@dataclass
class Connections:
    """The open connections of one app's server, and counts of those it closed by these limits (for /metrics)."""

    limits: ConnectionLimits
    open: dict[GuardedHandler, None] = field(default_factory=dict)  # oldest first
    closed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("head_deadline", "refused", "idle_let_go"),
                                                                         0))


CONNECTIONS = web.AppKey("connections", Connections)


class GuardedHandler(RequestHandler):
    """aiohttp's connection, told when a head begins and ends (`head_since`) and admitted under the ceiling."""

    def __init__(self, manager: GuardedServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self.guard = manager.guard
        self.head_since: float | None = None  # loop time a head not yet whole began to be awaited or to arrive
        self.head_heard = False  # whether any byte of that head arrived

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self.guard.admit(self):
            transport.close()  # aiohttp has started nothing for it: its connection_lost finds nothing to undo
            return
        super().connection_made(transport)
        self.head_since = self._loop.time()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.guard.connections.open.pop(self, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        count = self._request_count  # aiohttp counts each head it parsed
        RequestHandler.data_received(self, data)  # as super(), without its lookup: this runs per read
        if self._request_count != count:
            self.head_since, self.head_heard = None, False
        elif self.head_since is not None:
            self.head_heard = True
        elif self._waiter is not None:  # awaiting the next request, so these are its first bytes (not a body's)
            self.head_since, self.head_heard = self._loop.time(), True

    def idle(self) -> bool:
        """Kept alive between requests with nothing of the next one: what aiohttp's keep-alive timer closes."""
        return self.head_since is None and self._waiter is not None and not self._waiter.done()

    def cut(self, answer: bytes) -> None:
        if self.head_heard and self.transport is not None:
            self.transport.write(answer)  # in the socket's buffer before the close, which sends it first
        self.force_close()


class Guard:
    """Admits connections under the ceiling and cuts heads past their deadline, one sweep a tick."""

    def __init__(self, connections: Connections, loop: asyncio.AbstractEventLoop) -> None:
        self.connections, self.loop = connections, loop
        limits = connections.limits
        self.tick = limits.header_read_seconds / TICKS_PER_DEADLINE
        self.sweeping: asyncio.TimerHandle | None = None
        text = json.dumps({"error": f"The request headers were not sent within {limits.header_setting} "
                                    f"({limits.header_read_seconds:g} s)."}).encode()
        self.answer = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                       b"Content-Type: application/json; charset=utf-8\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(text), text))

    def admit(self, handler: GuardedHandler) -> bool:
        """Under the ceiling, or once the oldest idle keep-alive connection is let go; else refused."""
        connections = self.connections
        if len(connections.open) >= connections.limits.max_connections:
            # A scan only at the ceiling: no bookkeeping per request keeps the idle ones in order.
            idle = next((other for other in connections.open if other.idle()), None)
            if idle is None:
                connections.closed["refused"] += 1
                return False
            connections.open.pop(idle)
            idle.force_close()  # as aiohttp's keep-alive timer closes it; a client reusing it retries
            connections.closed["idle_let_go"] += 1
        connections.open[handler] = None
        if self.sweeping is None:
            self.sweeping = self.loop.call_later(self.tick, self.sweep)
        return True

    def sweep(self) -> None:
        self.sweeping = None
        cutoff = self.loop.time() - self.connections.limits.header_read_seconds
        for handler in [h for h in self.connections.open if h.head_since is not None and h.head_since <= cutoff]:
            self.connections.open.pop(handler, None)
            self.connections.closed["head_deadline"] += 1
            handler.cut(self.answer)
        if self.connections.open:  # none open: the next admitted connection starts it again
            self.sweeping = self.loop.call_later(self.tick, self.sweep)


class GuardedServer(web.Server):
    """aiohttp's low-level server, whose connections are GuardedHandlers; built from the one AppRunner made."""

    def __init__(self, plain: web.Server, connections: Connections) -> None:
        # aiohttp keeps the handler's keyword arguments and loop only in private attributes (no public way to make
        # a Server build another protocol class).
        super().__init__(plain.request_handler, request_factory=plain.request_factory,
                         handler_cancellation=plain.handler_cancellation, loop=plain._loop, **plain._kwargs)
        self.guard = Guard(connections, self._loop)

    def __call__(self) -> RequestHandler:
        return GuardedHandler(self, loop=self._loop, **self._kwargs)
