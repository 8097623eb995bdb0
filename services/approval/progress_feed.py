"""Progress messages (`progress.<app>.<step>`) from the broker to the open event streams, in memory.

Each API replica binds its own exclusive, auto-deleted queue: progress is for whoever watches now,
so nothing of it is stored or replayed, and a replica that was down simply missed it. A slow client
loses its oldest progress (its queue is bounded), never release events, which come from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator

import aio_pika
import structlog
from aiohttp import web
from pydantic import ValidationError

from services.shared.progress import PROGRESS_PREFIX, Progress
from services.shared.runtime import BUS

log = structlog.get_logger(__name__)
Match = Callable[[Progress], bool]


class ProgressFeed:
    def __init__(self, per_client: int = 64) -> None:
        self.per_client = per_client
        self.listeners: dict[asyncio.Queue[Progress], Match] = {}
        self.listened = asyncio.Event()  # set once a stream listens: lets a caller await the first one

    @contextlib.contextmanager
    def listen(self, match: Match) -> Iterator[asyncio.Queue[Progress]]:
        queue: asyncio.Queue[Progress] = asyncio.Queue(self.per_client)
        self.listeners[queue] = match
        self.listened.set()
        try:
            yield queue
        finally:
            del self.listeners[queue]

    def receive(self, body: bytes) -> None:
        """One message from the broker. Every replica receives all progress: only parsed for someone watching."""
        if not self.listeners:
            return
        try:
            self.deliver(Progress.model_validate_json(body))
        except ValidationError as exc:  # not ours to dead-letter: progress is disposable
            log.warning("unreadable progress message dropped", error=str(exc)[:200])

    def deliver(self, item: Progress) -> None:
        for queue, match in self.listeners.items():
            if not match(item):
                continue
            if queue.full():
                queue.get_nowait()  # the oldest goes: newer progress says more
            queue.put_nowait(item)


FEED = web.AppKey("progress_feed", ProgressFeed)


async def progress_ctx(app: web.Application) -> AsyncIterator[None]:
    """Consumes `progress.#` for as long as the app runs (after the shared bus context connected)."""
    feed = app[FEED]
    bus = app[BUS]
    channel = await bus.channel(prefetch=200)
    exchange = await channel.get_exchange(bus.settings.exchange, ensure=False)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange, f"{PROGRESS_PREFIX}.#")

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        feed.receive(message.body)

    tag = await queue.consume(on_message, no_ack=True)
    yield
    with contextlib.suppress(aio_pika.exceptions.AMQPError, ConnectionError, RuntimeError):
        await queue.cancel(tag)
        await channel.close()
