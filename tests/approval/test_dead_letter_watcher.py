"""A release whose message RabbitMQ dead-letters at the delivery limit (the service kept crashing) is failed."""

from __future__ import annotations

import aio_pika
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.bus import work_queue_arguments
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.approval.conftest import reach, request_release


async def test_crash_looping_step_fails_the_release(
    bus_settings: BusSettings, client: TestClient[web.Request, web.Application]
) -> None:
    # A builder that dies on every delivery: it never acks and never gets to publish `failed` itself.
    channel = await client.app[BUS].connection.channel()
    queue = await channel.declare_queue(f"{bus_settings.queue_prefix}builder", durable=True,
                                        arguments=work_queue_arguments(bus_settings))
    await queue.bind(bus_settings.exchange, "release.*.requested")
    deliveries: list[int] = []

    async def crash(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        deliveries.append(1)
        await message.reject(requeue=True)

    await queue.consume(crash)
    release = await request_release(client)
    await reach(client, release["id"], S.FAILED)
    failed = client.app[STORE].get(release["id"])
    assert failed is not None and failed.error is not None
    assert "crashed on every one" in failed.error.reason and failed.error.step == "requested"
    assert len(deliveries) == bus_settings.delivery_limit + 1
    await channel.close()
