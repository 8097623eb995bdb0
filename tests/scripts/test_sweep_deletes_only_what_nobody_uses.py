"""tests/sweep.py, which scripts/test.sh runs after a whole run, deletes the leftover queues and exchanges under
its prefixes that nobody uses, and nothing else, on the real local broker."""

from __future__ import annotations

from pathlib import Path

import aio_pika

from tests.sweep import sweep


async def there(connection: aio_pika.abc.AbstractConnection, name: str, *, queue: bool) -> bool:
    """Whether the broker has the queue (or exchange): a passive declare on a channel of its own (a miss closes it)."""
    channel = await connection.channel()
    try:
        if queue:
            await channel.declare_queue(name, passive=True)
        else:
            await channel.declare_exchange(name, passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return False
    await channel.close()
    return True


async def test_unused_names_under_the_prefix_go_and_the_rest_stays(amqp_url: str, test_id: str) -> None:
    mine, other = f"gltest.{test_id}.", f"gltest.{test_id}x."
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        quorum = {"x-queue-type": "quorum"}
        left = await channel.declare_queue(f"{mine}left", durable=True, arguments=quorum)
        busy = await channel.declare_queue(f"{mine}busy", durable=True, arguments=quorum)
        others = await channel.declare_queue(f"{other}left", durable=True, arguments=quorum)
        await busy.consume(lambda message: message.ack())
        bound = await channel.declare_exchange(f"{mine}bound", aio_pika.ExchangeType.TOPIC, durable=True)
        await busy.bind(bound, "#")
        await channel.declare_exchange(f"{mine}alone", aio_pika.ExchangeType.TOPIC, durable=True)
        try:
            assert await sweep((mine,), amqp_url) == (1, 1)

            for kept in (busy.name, others.name):
                assert await there(connection, kept, queue=True), f"{kept} was deleted"
            assert await there(connection, bound.name, queue=False), "the bound exchange was deleted"
            assert not await there(connection, left.name, queue=True), "the unused queue was left"
            assert not await there(connection, f"{mine}alone", queue=False), "the unbound exchange was left"
        finally:
            cleanup = await connection.channel()
            for name in (left.name, busy.name, others.name):
                await cleanup.queue_delete(name)
            for name in (f"{mine}bound", f"{mine}alone"):
                await cleanup.exchange_delete(name)


def test_a_whole_run_ends_with_the_sweep() -> None:
    text = (Path(__file__).resolve().parents[2] / "scripts" / "test.sh").read_text()
    assert text.index("python -m tests.sweep") > text.index('wait "${pids[$i]}"')
