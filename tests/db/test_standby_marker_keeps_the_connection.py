"""A standby learns where the log ends by reading back a marker from a stream consumer of its own, then closes that
consumer's channel. With the log busy, a message may arrive during the close: an ack for it then reaches a channel
the broker has closed, which answers CHANNEL_ERROR 504 ("expected 'channel.open'") and closes the service's whole
connection. Services died of it at start-up in CI (several starting at once, each publishing)."""

from __future__ import annotations

import asyncio
import contextlib

from services.shared.bus import Bus
from services.shared.db.logend import log_end
from services.shared.events import first_event
from tests.harness import make_release


async def test_finding_the_log_end_while_the_log_is_busy_keeps_the_connection(bus: Bus) -> None:
    async def flood() -> None:
        for n in range(100_000):
            await bus.publish(first_event(make_release(f"f{n}", app="flood"), actor="ann"))

    flooding = asyncio.create_task(flood())
    try:
        ends = []
        for _ in range(15):
            ends.append(await asyncio.wait_for(log_end(bus, bus.settings.log_stream), 10))
            channel = await bus.connection.channel()  # raises once the broker has closed the connection
            await channel.close()
        assert ends == sorted(ends) and len(set(ends)) == len(ends), ends  # each marker found, later than the last
    finally:
        flooding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flooding
