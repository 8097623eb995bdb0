"""Every progress message published on a test's exchange (`progress.#`), in arrival order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aio_pika
import pytest

from services.shared.progress import PROGRESS_PREFIX, Progress
from services.shared.settings import BusSettings


class ProgressTap:
    def __init__(self, settings: BusSettings) -> None:
        self.settings = settings
        self.items: list[Progress] = []
        self.keys: list[str] = []
        self._arrived = asyncio.Condition()
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def __aenter__(self) -> ProgressTap:
        self._connection = await aio_pika.connect(self.settings.amqp_url.get_secret_value(),
                                                  client_properties={"connection_name": "gltest-progress"})
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(self.settings.exchange, aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, f"{PROGRESS_PREFIX}.#")
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.items.append(Progress.model_validate_json(message.body))
        self.keys.append(message.routing_key or "")
        async with self._arrived:
            self._arrived.notify_all()

    def of(self, release_id: str, step: str) -> list[Progress]:
        return [p for p in self.items if p.release_id == release_id and p.step == step]

    async def wait(self, release_id: str, step: str, until: Callable[[Progress], bool] = lambda _: True,
                   timeout: float = 60.0) -> Progress:
        """The first progress of the step that satisfies `until`."""
        def found() -> list[Progress]:
            return [p for p in self.of(release_id, step) if until(p)]

        try:
            async with asyncio.timeout(timeout), self._arrived:
                await self._arrived.wait_for(lambda: bool(found()))
        except TimeoutError:
            pytest.fail(f"no matching {step} progress for {release_id} in {timeout}s: {self.of(release_id, step)}")
        return found()[0]
