"""What a test hears on its exchange: an exclusive queue bound before the test publishes, so nothing is missed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Self

import aio_pika

from services.shared.settings import BusSettings


class Tap:
    """Subclasses keep what `_take` is given; `_until` awaits a condition on it."""

    binding = "#"
    name = "gltest-tap"

    def __init__(self, settings: BusSettings) -> None:
        self.settings = settings
        self._arrived = asyncio.Condition()
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect(self.settings.amqp_url.get_secret_value(),
                                                  client_properties={"connection_name": self.name})
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(self.settings.exchange, aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, self.binding)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.close()

    def _take(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        raise NotImplementedError

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self._take(message)
        async with self._arrived:
            self._arrived.notify_all()

    async def _until(self, condition: Callable[[], bool], timeout: float) -> None:
        """Returns once `condition` holds; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(condition)
