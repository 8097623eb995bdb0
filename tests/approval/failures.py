"""An app's `failed` events as the broker routes them: what a test of the step deadlines listens to."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aio_pika.abc import AbstractChannel, AbstractQueue

from services.shared.protocol import ReleaseState as S
from services.shared.protocol import routing_key
from services.shared.settings import BusSettings
from tests.harness import connect_any


@contextlib.asynccontextmanager
async def failures_heard(bus: BusSettings, app: str = "demo") -> AsyncIterator[tuple[AbstractChannel, AbstractQueue]]:
    """(a channel, an exclusive queue bound to `app`'s `failed`) on a connection of their own."""
    connection = await connect_any(bus, "gltest-failed-listener")
    async with connection:
        channel = await connection.channel()
        failures = await channel.declare_queue(exclusive=True)
        await failures.bind(bus.exchange, routing_key(app, S.FAILED))
        yield channel, failures
