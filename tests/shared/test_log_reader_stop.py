"""A short-lived log reader (the safe point's `learn_recent_endings`, `latest_event`) stopped while the log is
busy must not ack on the channel it closes: the broker answers such an ack with CHANNEL_ERROR 504 ("expected
'channel.open'"), which closes the service's whole connection (a worker starting up then crashes)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from aiohttp import web

from services.shared.events import first_event
from services.shared.newest_logged import latest_event
from services.shared.release import utcnow
from services.shared.runtime import BUS
from tests.harness import make_release


async def test_stopping_a_reader_while_the_log_is_busy_keeps_the_connection(probe: web.Application) -> None:
    bus = probe[BUS]

    async def flood() -> None:
        for n in range(100_000):
            await bus.publish(first_event(make_release(f"f{n}", app="flood"), actor="ann"))

    flooding = asyncio.create_task(flood())
    try:
        for _ in range(15):
            await latest_event(bus, "absent", since=utcnow() - timedelta(seconds=5))
            channel = await bus.connection.channel()  # raises once the broker has closed the connection
            await channel.close()
    finally:
        flooding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flooding
