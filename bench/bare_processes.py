"""The bare protocol's consumers as processes of their own, the shape Greenlight's services run in (`--mode procs`).

The same consumers as bench/baseline.py's, each hop's worker and the second log reader spawned as a Python process
with its own connection. Paced at Greenlight's rate, it tells what the topology itself costs the broker and the
clients: more connections, each message waking another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import AsyncIterator
from multiprocessing.synchronize import Event

import aio_pika

from bench.baseline import HOPS, URL, consume_hop, consume_log_copy


def serve(prefix: str, hop: int | None, ready: Event) -> None:
    """A child process: hop `hop`'s worker, or (None) the second log reader, until killed."""

    async def run() -> None:
        connection = await aio_pika.connect(URL)
        if hop is None:
            await consume_log_copy(connection, prefix)
        else:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=16)
            await consume_hop(channel, prefix, hop)
        ready.set()
        await asyncio.Future()  # consumes until the parent kills the process

    asyncio.run(run())


@contextlib.asynccontextmanager
async def consumers_as_processes(prefix: str, timeout: float = 30.0) -> AsyncIterator[None]:
    """The chain's consumers (its topology declared already) running in child processes, killed on exit."""
    spawn = multiprocessing.get_context("spawn")  # a fork would copy this process's event loop and connections
    started = []
    try:
        for hop in (*range(HOPS), None):
            ready = spawn.Event()
            child = spawn.Process(target=serve, args=(prefix, hop, ready), daemon=True)
            child.start()
            started.append((child, ready))
        for child, ready in started:
            if not await asyncio.to_thread(ready.wait, timeout):
                raise RuntimeError(f"a bare consumer process did not start within {timeout} s (pid {child.pid})")
        yield
    finally:
        for child, _ in started:
            child.kill()
        for child, _ in started:
            await asyncio.to_thread(child.join, 5)
