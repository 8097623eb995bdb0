"""Queues and exchanges a whole test run left on the local broker, deleted at its end (scripts/test.sh).

Each test drops its own topology (tests/cleanup.py), but not names it cannot know in advance: the partitions of a
worker a test ran partitioned (`.p0`…`.p7`, `.replicas`, `.hungry`, the `.hash` exchange) and the approval
policy's delay queues (one per delay, each expiring only after it). A run left about 430 queues and 100
exchanges, and a broker that keeps them declares more slowly in each later run on the same machine.

Only what nobody uses goes: a queue no one consumes, an exchange the broker finds without bindings, so a test of
another run on the same broker keeps what it is working with. The names come from `rabbitmqctl`, which reaches
only this machine's node: with AMQP_URL set (another broker) nothing is swept.

    .venv/bin/python -m tests.sweep            # what scripts/test.sh runs after a whole run
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import aio_pika
import aiormq

from services.shared.settings import BusSettings

PREFIXES = ("gltest.", "glbench.")
LOCAL_BROKER = BusSettings.model_fields["amqp_url"].default.get_secret_value()  # the default: this machine's node


def listed(what: str, column: str = "name") -> list[str]:
    """One column of the local node's queues, exchanges or consumers (`what`: list_queues, ...)."""
    done = subprocess.run(["rabbitmqctl", "-q", what, column, "--formatter", "json"],
                          capture_output=True, text=True, timeout=120, check=True)
    return [str(row[column]) for row in json.loads(done.stdout or "[]")]


async def sweep(prefixes: tuple[str, ...] = PREFIXES, url: str = LOCAL_BROKER) -> tuple[int, int]:
    """Deletes the unused names under `prefixes`; returns how many queues and exchanges went. Queues first: an
    exchange's bindings go with the queues they led to, and only then is it unused."""
    # Consumers from their own list: a quorum queue's `consumers` column lags by the broker's stats interval,
    # and quorum queues refuse `if_unused`.
    consumed = set(await asyncio.to_thread(listed, "list_consumers", "queue_name"))
    queues = [name for name in await asyncio.to_thread(listed, "list_queues")
              if name.startswith(prefixes) and name not in consumed]
    connection = await aio_pika.connect(url, client_properties={"connection_name": "gltest-sweep"})
    async with connection:
        channel = await connection.channel()
        for name in queues:
            await channel.queue_delete(name)
        exchanges_gone = 0
        for name in await asyncio.to_thread(listed, "list_exchanges"):
            if not name.startswith(prefixes):
                continue
            try:
                await channel.exchange_delete(name, if_unused=True)
                exchanges_gone += 1
            except aiormq.exceptions.ChannelPreconditionFailed:
                channel = await connection.channel()  # still bound: the broker closed the channel over it
    return len(queues), exchanges_gone


def main() -> int:
    if os.environ.get("AMQP_URL"):
        print("[test] sweep: AMQP_URL names a broker rabbitmqctl may not reach; nothing swept")
        return 0
    try:
        queues, exchanges = asyncio.run(asyncio.wait_for(sweep(), timeout=300))
    except (OSError, subprocess.SubprocessError, ValueError, TimeoutError, aio_pika.exceptions.AMQPError) as exc:
        # The run's own result stands: what is left is only slower declarations in a later run.
        print(f"[test] sweep of the run's leftover queues failed, left as they are: {exc!r}"[:300])
        return 0
    print(f"[test] swept {queues} queues and {exchanges} exchanges the run left on the broker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
