"""Consuming a RabbitMQ stream (the release log) on a channel of its own, through a broker node's restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustChannel

from services.shared.bus import Bus
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)


async def consume_log(bus: Bus, stream: str, prefetch: int, on_message: Callable[[AbstractIncomingMessage], Any],
                      arguments: dict[str, Any]) -> AbstractRobustChannel:
    """A channel of its own consuming the release log (see consume_stream). A passive declare (ensure=True)
    registers the queue with the robust channel, so after a reconnect aio-pika consumes again."""
    channel = await consume_stream(lambda: bus.channel(prefetch=prefetch), stream, on_message, arguments)
    return cast(AbstractRobustChannel, channel)


async def consume_stream(open_channel: Callable[[], Awaitable[AbstractChannel]], stream: str,
                         on_message: Callable[[AbstractIncomingMessage], Any],
                         arguments: dict[str, Any]) -> AbstractChannel:
    """Consume a stream on a channel from `open_channel`. A broker node that has just come back refuses stream
    consumers (PRECONDITION_FAILED "does not have a replica on the local node") until the stream's coordinator
    has restarted its member there, and nothing announces that: tried again with backoff meanwhile, within the
    caller's timeout (a restarted API replica exited on it in tests/cluster/test_chaos.py)."""
    delay = 0.2
    while True:
        channel = await open_channel()
        try:
            queue = await channel.get_queue(stream, ensure=True)
            await queue.consume(on_message, no_ack=False, arguments=arguments)
            return channel
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await bounded(channel.close(), 5)
            if not isinstance(exc, aio_pika.exceptions.ChannelPreconditionFailed) or \
                    "does not have a replica" not in str(exc):
                raise
        log.warning("stream has no replica on this broker node yet; trying again", stream=stream, retry_in=delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
