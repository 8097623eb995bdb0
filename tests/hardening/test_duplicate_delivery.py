"""Every event delivered twice (a shovel republishes each one once more): each side effect happens once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aio_pika

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver, in_process_stack
from tests.harness import observer
from tests.noop.ledger import Ledger

DUPLICATE = "x-gltest-duplicate"
RELEASES = 20


@contextlib.asynccontextmanager
async def duplicator(bus: BusSettings) -> AsyncIterator[list[str]]:
    """Republishes every release event once more, same id and body, as a broker redelivery would."""
    copied: list[str] = []
    connection = await aio_pika.connect(bus.amqp_url.get_secret_value(),
                                        client_properties={"connection_name": "gltest-duplicator"})
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=200)
        exchange = await channel.declare_exchange(bus.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "release.#")

        async def copy(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            if not (message.headers or {}).get(DUPLICATE):
                await exchange.publish(aio_pika.Message(
                    message.body, message_id=message.message_id, content_type=message.content_type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers={**(message.headers or {}), DUPLICATE: 1}), message.routing_key or "")
                copied.append(message.message_id or "")
            await message.ack()

        await queue.consume(copy)
        yield copied


async def test_every_event_twice_each_effect_once(bus_settings: BusSettings, ledger: Ledger) -> None:
    started = time.perf_counter()
    async with duplicator(bus_settings) as copied, observer(bus_settings) as store, \
            in_process_stack(bus_settings, ledger) as api:
        driver = Driver(api, store)
        releases = await asyncio.gather(*(driver.ship(f"dup-{n}") for n in range(RELEASES)))
    assert [r.state for r in releases] == [S.LIVE] * RELEASES, [r.error for r in releases]
    counts = assert_each_effect_once(ledger, releases)
    assert counts["build"] == counts["push"] == counts["deploy"] == counts["switch"] == RELEASES
    # requested..live is 10 events per release; each was delivered a second time.
    assert len(copied) >= RELEASES * 10
    print(f"\n{RELEASES} releases, {len(copied)} events duplicated, effects {dict(counts)}, "
          f"{time.perf_counter() - started:.1f}s")
