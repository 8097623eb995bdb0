"""Every service's declarations after the broker's handshake (bus.py), given up once the broker is silent too long.

`Bus.connect` bounds the handshake by GREENLIGHT_CONNECT_TIMEOUT; the declarations after it (channels, the topology,
the release log, the ended-watch, every work queue) had no bound: on a broker that went silent right after the
handshake (a paused node, a network dropping every packet) every service's start waited there until the heartbeats
found the connection stuck (about 3 min at RabbitMQ's default heartbeat; never without heartbeats), serving nothing.

The bound is on silence, not on the whole: with 64 partitions the declarations are hundreds of calls, which a slow
cluster answers one by one for longer than any fixed total would allow, while a broker that answers nothing for
GREENLIGHT_CONNECT_TIMEOUT (no reply, no heartbeat) is not answering. Past it the start stops in one line naming the
setting (runtime.run: exit 1), as a broker that refuses the connection does (startup.py); the declaration is cut off
mid-call, which is harmless: the connection is closed with it and the process exits. aiormq keeps the time of the
last frame received in a private attribute (read as silence.py reads it; pinned by
tests/replicas/test_partitioned_away_replica_stops_its_handlers.py); without it the bound counts from the start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aio_pika.abc import AbstractConnection

from services.shared.settings import StartupError

SETTING = "GREENLIGHT_CONNECT_TIMEOUT"


class Doing:
    """What the declarations are doing now, for the line that says where the broker stopped answering."""

    def __init__(self) -> None:
        self.now = "opening its channel"


def last_heard(connection: AbstractConnection) -> float | None:
    """The loop's time of the last frame received; None while the connection is down or aiormq does not say."""
    transport = connection.transport
    last = getattr(transport.connection, "_Connection__last_frame_time", None) if transport is not None else None
    return last if isinstance(last, float) else None


async def declared_in_time(declarations: Coroutine[Any, Any, None], connection: AbstractConnection,
                           seconds: float, doing: Doing) -> None:
    """`await declarations`, unless the broker sends nothing for `seconds` meanwhile: then StartupError."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(declarations)
    heard = loop.time()
    try:
        while (left := (heard := max(heard, last_heard(connection) or heard)) + seconds - loop.time()) > 0:
            # A deadline to keep (moved on by every frame the broker sends), not a condition to await.
            if (await asyncio.wait({task}, timeout=left))[0]:
                return task.result()
    finally:
        task.cancel()  # a no-op once it finished; else cut off: past the bound, or the start cancelled
        await asyncio.gather(task, return_exceptions=True)
    raise StartupError(
        f"the broker at AMQP_URL stopped answering the start ({doing.now}) for {SETTING} ({seconds:g} s): a paused "
        f"node or a network dropping packets; the next start opens a new connection (check RabbitMQ, or raise "
        f"{SETTING} for a broker that is only slow)")
