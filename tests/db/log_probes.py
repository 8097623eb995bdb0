"""Probes of the release log's stream for the tests that delete or replace it under a running projector."""

from __future__ import annotations

import asyncio

import aio_pika

from services.shared.bus import Bus, PublishFailed
from services.shared.events import ReleaseEvent
from services.shared.releaselog import MARKER_HEADER
from services.shared.settings import BusSettings
from tests.harness import connect_any


async def logged_again(settings: BusSettings, timeout: float = 15.0) -> None:
    """Returns once the stream is declared and bound again: a marker published under a key only the log binds is
    routed (the projector folds no marker)."""
    connection = await connect_any(settings, "gltest-stream-probe")
    async with connection, asyncio.timeout(timeout):
        channel = await connection.channel(on_return_raises=True)
        exchange = await channel.get_exchange(settings.exchange, ensure=False)
        while True:
            try:
                await exchange.publish(aio_pika.Message(b"", headers={MARKER_HEADER: "probe"}),
                                       "release.probe.probe", mandatory=True)
                return
            except aio_pika.exceptions.DeliveryError:
                await asyncio.sleep(0.05)  # a probe's pace, bounded by the timeout above


async def publish_retried(bus: Bus, published: list[ReleaseEvent], timeout: float = 15.0) -> None:
    """As a service's handler does (a failed publish is retried): the connection not back yet, the stream not
    declared again yet, or RabbitMQ 3.10 closing the connection of a consumer that came within milliseconds of the
    stream's creation (INTERNAL_ERROR, stream_not_found) while the bus reconnects."""
    async with asyncio.timeout(timeout):
        for event in published:
            while True:
                try:
                    await bus.publish(event)
                    break
                except PublishFailed:
                    await asyncio.sleep(0.2)
