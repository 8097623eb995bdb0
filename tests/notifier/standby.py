"""A notifier replica standing by through a TCP proxy: another replica consumes the queue, so each of its looks asks
the broker who consumes it (a passive declare), and a frozen proxy leaves that call unanswered."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

from services.shared.bus import Bus
from services.shared.topology import declare_work_queue

LOOK_EVERY = 0.05  # GREENLIGHT_PARTITION_CHECK_INTERVAL: many looks within the bound


@contextlib.asynccontextmanager
async def consumed_elsewhere(bus: Bus, queue: str) -> AsyncIterator[None]:
    """The notifier's queue consumed, as by the active replica (nothing is published to it meanwhile)."""
    await declare_work_queue(bus.connection, bus.settings, queue, [])
    channel = await bus.channel(1)

    async def held(_message: AbstractIncomingMessage) -> Any:
        return None  # left unacked: back to the queue with the channel

    await (await channel.get_queue(queue)).consume(held)
    try:
        yield
    finally:
        await channel.close()
