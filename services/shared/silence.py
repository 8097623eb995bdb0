"""A replica's watch on a silent broker connection, and not waiting on one that is down (claims.py).

The broker drops a connection it has heard nothing from for two to three heartbeat timeouts (it checks every
timeout and gives up at the second check in a row that saw nothing: 5.5 s for a 2 s timeout, 10.9 s for 4 s on
RabbitMQ 3.10), and with it the replica's partition locks: another replica may claim those partitions and handle
their messages at once. aiormq gives a silent connection up only after three timeouts plus three seconds
(HEARTBEAT_GRACE_MULTIPLIER), so the handlers here would run on alongside the next owner's for a while (a network
partition: no reset, no packet either way).

A healthy connection receives a frame at least every timeout (the broker sends a heartbeat when it has sent nothing
for half a timeout, checked every half timeout). So a connection that has received nothing for one and a half
timeouts is silent, and the replica stops its partitions' handlers itself, half a timeout before the broker can
drop it. aiormq keeps the time of the last frame received in a private attribute (read here by its mangled name;
pinned by tests/replicas/test_partitioned_away_replica_stops_its_handlers.py against the installed aiormq).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from aio_pika.abc import AbstractConnection

log = structlog.get_logger(__name__)
SILENT = 1.5  # heartbeat timeouts


def heartbeat_of(connection: AbstractConnection) -> float:
    """The heartbeat timeout in seconds (aiormq sends its own in tune-ok, which RabbitMQ takes); 0: none, and then
    the broker does not drop a silent connection either."""
    transport = connection.transport
    return float(getattr(transport.connection, "heartbeat_timeout", 0) or 0) if transport is not None else 0.0


def silent_for(connection: AbstractConnection) -> float:
    """Seconds since the connection last received a frame; 0 while it is down (nothing to stop then: the lost
    channels stop their handlers) or when aiormq does not say."""
    transport = connection.transport
    last = getattr(transport.connection, "_Connection__last_frame_time", None) if transport is not None else None
    return asyncio.get_running_loop().time() - last if isinstance(last, float) else 0.0


PARTITIONS_STOPPED = "partition handlers stopped before the broker can give the partitions to another replica"


async def watch_silence(connection: AbstractConnection, heartbeat: float, on_silence: Callable[[], None],
                        stopped: str = PARTITIONS_STOPPED) -> None:
    """Call `on_silence` once each time the connection falls silent for SILENT of `heartbeat`, logging `stopped`
    (what `on_silence` stops, and why now); runs until cancelled."""
    silent = False
    while True:
        await asyncio.sleep(heartbeat / 8)  # a deadline to keep, not a condition to await
        quiet = silent_for(connection)
        if quiet < SILENT * heartbeat:
            silent = False
        elif not silent:
            silent = True
            log.warning(f"no frame from the broker; {stopped}", silent_for=round(quiet, 1), heartbeat=heartbeat)
            on_silence()


async def finish_unless_disconnected(task: asyncio.Task[None], connection: AbstractConnection,
                                     within: float | None = None) -> None:
    """Let `task` (a check) finish: cut off mid-call it would desync the connection. But not while the connection
    is down: the check can then only be waiting for the broker to come back, which may take longer than the
    process is given to stop, and there is no call in progress to desync. Nor past `within` seconds (None: no
    bound): a connection that stays up and never answers would hold the stop until the heartbeats find it stuck."""
    down = asyncio.Event()

    def lost(*_: object) -> None:
        down.set()

    connection.close_callbacks.add(lost)
    if not connection.connected.is_set():
        down.set()
    watch = asyncio.create_task(down.wait())
    try:
        await asyncio.wait({task, watch}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        connection.close_callbacks.discard(lost)
        watch.cancel()
        task.cancel()  # a no-op once it finished
        await asyncio.gather(task, watch, return_exceptions=True)
