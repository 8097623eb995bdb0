"""Reading the release log (a RabbitMQ stream) into a ReleaseStore, from the first event on.

Consuming the stream itself is stream_consumer.py's (its names still imported from here); one release's newest
event is newest_logged.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel

from services.shared.bus import Bus
from services.shared.events import BadMessage, parse_event
from services.shared.store import ReleaseStore
from services.shared.stream_consumer import consume_log, consume_stream
from services.shared.stuck import on_the_broker
from services.shared.timeouts import bounded

__all__ = ["MARKER_HEADER", "LogReader", "consume_log", "consume_stream"]

log = structlog.get_logger(__name__)
MARKER_HEADER = "x-greenlight-marker"


class LogReader:
    """Ack policy: ack on read, one `multiple` ack per burst. Stream acks only grant credit (the log keeps
    every message), so one frame per loop iteration instead of one per message costs nothing in safety."""

    def __init__(self, bus: Bus, store: ReleaseStore, since: datetime | None = None) -> None:
        self.bus = bus
        self.store = store
        self.since = since  # None: from the first event; else from that time on (stream chunk granularity)
        self._channel: AbstractRobustChannel | None = None
        self._marker = uuid.uuid4().hex
        self._caught_up = asyncio.Event()
        self._unacked: AbstractIncomingMessage | None = None
        self._acks: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self, timeout: float = 60.0) -> None:
        """Replay the whole log, returning once everything published before the call is folded in."""
        # aio-pika re-consumes from "first" after a reconnect: _on_message skips what it has.
        self._channel = await consume_log(self.bus, self.bus.settings.log_stream, 2000, self._on_message,
                                          {"x-stream-offset": self.since or "first"})
        # A stream's declare-ok has no message count, so catch-up is proved by reading back our own marker. One
        # deadline for both: the publish awaits a confirm (the channel has them), which a stream with no leader or a
        # silent connection never sends, and a `latest_event` waiting on it held its message for good.
        async with asyncio.timeout(timeout):
            await on_the_broker(self._channel.default_exchange.publish(
                aio_pika.Message(b"", headers={MARKER_HEADER: self._marker}),
                routing_key=self.bus.settings.log_stream,
            ))
            await self._caught_up.wait()
        log.info("release log replayed", releases=len(self.store.releases), offset=self.store.last_offset)

    def _ack_soon(self, message: AbstractIncomingMessage) -> None:
        if self._stopping:
            return  # closing the channel settles it; an ack sent after the close is a connection error
        if self._unacked is None:
            asyncio.get_running_loop().call_soon(self._flush_acks)
        self._unacked = message

    def _flush_acks(self) -> None:
        message, self._unacked = self._unacked, None
        if message is not None and not self._stopping:
            task = asyncio.create_task(_ack_all(message))
            self._acks.add(task)
            task.add_done_callback(self._acks.discard)

    async def stop(self) -> None:
        # The stream keeps delivering until the channel is closed. An ack written after `channel.close`
        # reaches a channel the broker already closed: CHANNEL_ERROR 504 "expected 'channel.open'", which
        # closes the whole connection (and every other channel of this process). So no new ack from here
        # on, and the ones already under way go out before the close.
        self._stopping = True
        self._unacked = None
        await asyncio.gather(*self._acks, return_exceptions=True)
        if self._channel is not None:
            with contextlib.suppress(Exception):
                await bounded(self._channel.close(), 5)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        headers = message.headers or {}
        offset = int(headers.get("x-stream-offset", -1))  # type: ignore[arg-type]
        self._ack_soon(message)
        if headers.get(MARKER_HEADER) is not None:
            if headers[MARKER_HEADER] == self._marker:
                self._caught_up.set()
            return
        if offset <= self.store.last_offset:
            return  # re-read after a reconnect
        try:
            event = parse_event(message.body)
        except BadMessage as exc:
            self.unreadable(message.body, offset, exc)
            return
        self.store.apply(event, offset)
        await self.store.notify()

    def unreadable(self, body: bytes, offset: int, problem: BadMessage) -> None:
        """An event this version cannot read: skipped (a reader that must know of some says so: newest_logged.py)."""
        log.warning("unreadable event in release log", offset=offset, reason=str(problem))


async def _ack_all(message: AbstractIncomingMessage) -> None:
    # A message of a channel lost in a reconnect cannot be acked; the new consumer re-reads anyway.
    with contextlib.suppress(Exception):
        await message.ack(multiple=True)

