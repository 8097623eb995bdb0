"""What one event stream writes: the feed's events (each encoded once by the hub) and progress, until it ends.

A release's stream ends after the release's own last event (streams.py `_ends`). A terminal event it sent as a
conflict may yet become that end: the desk's record that made it one is forgotten when its publish is refused, and
the event is folded again at its offset (releases.py `forget`). No later event tells the stream so; while such an
event is the last one it sent, the stream asks the database whether the release ended at it, until the event folded
at its seq is found to be the log's (no record left to forget) or for RECHECK_FOR at most. Before, such a stream
stayed open on pings for as long as its client did, holding one of its identity's streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncGenerator, Awaitable, Callable

import structlog
from aiohttp_sse import EventSourceResponse

from services.approval.sse_schema import PROGRESS_EVENT
from services.approval.stream_hub import StreamHub
from services.shared.db.newer_rows import ShownEvent
from services.shared.events import ReleaseEvent
from services.shared.progress import Progress
from services.shared.protocol import TERMINAL

log = structlog.get_logger(__name__)
SEND_TIMEOUT = 10.0  # seconds a write to one subscriber may take before it is dropped (a stalled client)
# Seconds between looks at whether a release ended at a terminal event sent as a conflict, and for how long at most:
# a desk forgets its record within one publish of recording it (GREENLIGHT_PUBLISH_TIMEOUT, 10 s by default), and a
# record left by a desk that died before its publish waits for the next request that meets it (desk_records.py).
RECHECK = 1.0
RECHECK_FOR = 60.0
# True: the release ended at the event; False: not yet; None: it never will (stop looking).
EndedAtConflict = Callable[[int, int], Awaitable[bool | None]]  # (the event's offset, its seq)


async def pump_events(hub: StreamHub, response: EventSourceResponse, follow: AsyncGenerator[ShownEvent, None],
                      ends: Callable[[ShownEvent], bool], ended_at_conflict: EndedAtConflict | None) -> None:
    loop = asyncio.get_running_loop()
    async with contextlib.aclosing(follow):
        pending: tuple[int, int] | None = None  # (offset, seq) of a terminal event sent as a conflict, while last
        until = 0.0
        while (logged := await _next(follow, pending, ended_at_conflict, until)) is not None:
            await _sent(response.write(hub.encode(logged)))
            if ends(logged):
                return
            event = logged.event
            pending = (logged.offset or 0, event.seq) if isinstance(event, ReleaseEvent) and event.state in TERMINAL \
                else None
            until = loop.time() + RECHECK_FOR


async def _next(follow: AsyncGenerator[ShownEvent, None], pending: tuple[int, int] | None,
                ended_at_conflict: EndedAtConflict | None, until: float) -> ShownEvent | None:
    """The next event; None once the feed ends, or once the release is found ended at `pending` meanwhile."""
    if pending is None or ended_at_conflict is None:
        return await anext(follow, None)
    loop = asyncio.get_running_loop()
    step = asyncio.ensure_future(anext(follow, None))
    try:
        while loop.time() < until and not (await asyncio.wait({step}, timeout=RECHECK))[0]:
            try:
                ended = await ended_at_conflict(*pending)
            except Exception as exc:  # the database away a moment: the stream goes on, as its feed does
                log.warning("could not tell whether a release's stream has ended; looking again",
                            error=str(exc).splitlines()[0][:200] if str(exc) else repr(exc))
                continue
            if ended:
                return None
            if ended is None:
                break
        return await step
    finally:  # the generator must be idle before it is closed (aclosing): its step ends here
        step.cancel()
        await asyncio.gather(step, return_exceptions=True)


async def pump_progress(response: EventSourceResponse, progress: asyncio.Queue[Progress]) -> None:
    while True:
        item = await progress.get()
        await _sent(response.send(item.model_dump_json(), event=PROGRESS_EVENT))


class StalledClient(Exception):
    """A write to the subscriber did not end within SEND_TIMEOUT: it stopped reading."""


async def _sent(write: Awaitable[None]) -> None:
    try:
        async with asyncio.timeout(SEND_TIMEOUT):
            await write
    except TimeoutError:
        raise StalledClient from None


def pump_ended(transport: asyncio.Transport | None, response: EventSourceResponse,
               ) -> Callable[[asyncio.Task[None]], None]:
    """What a pump's end does: the stream ends too, rather than idling until the next ping. One ended by a stalled
    client also closes the connection: its ending response's last write waited on the same full buffer, so the
    connection and the handler stayed until the kernel gave up on the peer (TCP_USER_TIMEOUT, or never while it
    acknowledges a zero window), holding a slot under GREENLIGHT_API_MAX_CONNECTIONS all along."""
    def ended(pump: asyncio.Task[None]) -> None:
        response.stop_streaming()
        if not pump.cancelled() and isinstance(pump.exception(), StalledClient) and transport is not None:
            _reset(transport)

    return ended


def _reset(transport: asyncio.Transport) -> None:
    # A reset, not a FIN: a FIN queues behind the unsent bytes the peer never takes, and the kernel kept the orphaned
    # socket with its full send buffer, probing the zero window. close() would wait for that drain; abort() does not.
    with contextlib.suppress(OSError):  # the socket already gone: nothing to reset
        if (sock := transport.get_extra_info("socket")) is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
