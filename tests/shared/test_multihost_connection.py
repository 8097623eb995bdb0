"""A bus given several broker addresses connects to the first that answers and moves on when it loses one."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from pydantic import SecretStr

from services.shared.bus import Bus
from services.shared.multihost import MultiHostConnection
from services.shared.settings import BusSettings, StartupError
from services.shared.startup import broker_error
from tests.ports import free_port as closed_port  # nothing listens there
from tests.tcp_proxy import TcpProxy


def test_amqp_url_lists_several_addresses() -> None:
    settings = BusSettings(amqp_url=" amqp://u:p@a:5672/ , amqp://u:p@b:5672/,")  # type: ignore[arg-type]
    assert settings.amqp_urls() == ["amqp://u:p@a:5672/", "amqp://u:p@b:5672/"]


async def test_first_address_down_connects_to_the_next(bus_settings: BusSettings) -> None:
    real = bus_settings.amqp_urls()[0]
    listed = f"amqp://guest:guest@127.0.0.1:{closed_port()}/,{real}"
    bus = Bus(bus_settings.model_copy(update={"amqp_url": SecretStr(listed)}), connection_name="gltest-multihost")
    await bus.connect()
    try:
        assert str(bus.connection.url).split("@")[1] == real.split("@")[1]
        channel = await bus.connection.channel()
        await channel.declare_queue(exclusive=True)  # the connection is usable, not only open
    finally:
        await bus.close()


async def test_no_address_answers_names_every_address_without_passwords() -> None:
    ports = closed_port(), closed_port()
    listed = ",".join(f"amqp://u:s3cret@127.0.0.1:{port}/" for port in ports)
    connection = MultiHostConnection(listed.split(","))
    with pytest.raises(OSError) as caught:
        await connection.connect(timeout=5)
    problem = broker_error(caught.value, listed)
    assert isinstance(problem, StartupError)
    assert "s3cret" not in str(problem), problem
    assert all(f"amqp://u:***@127.0.0.1:{port}/" in str(problem) for port in ports), problem


async def test_lost_address_reconnects_to_the_next(amqp_url: str, test_id: str) -> None:
    """Two proxies in front of the broker stand for two nodes: the connected one goes away for good, and the
    robust connection comes back through the other, its channel and queue restored."""
    target = aio_pika.connection.URL(amqp_url)
    first, second = TcpProxy(target.host or "127.0.0.1", target.port or 5672), \
        TcpProxy(target.host or "127.0.0.1", target.port or 5672)
    await first.start()
    await second.start()
    urls = [f"amqp://guest:guest@127.0.0.1:{proxy.port}/?reconnect_interval=0.2" for proxy in (first, second)]
    connection = MultiHostConnection(urls, client_properties={"connection_name": "gltest-multihost"})
    try:
        await connection.connect(timeout=5)
        assert connection.url.port == first.port
        channel = await connection.channel()
        queue = await channel.declare_queue(f"gltest.{test_id}.multihost", exclusive=True)
        reconnected = asyncio.Event()
        connection.reconnect_callbacks.add(lambda *_: reconnected.set())
        await first.stop()  # the node is gone: its port refuses from now on
        await asyncio.wait_for(reconnected.wait(), 20)
        assert connection.url.port == second.port
        await channel.default_exchange.publish(aio_pika.Message(b"after"), queue.name)
        message = await queue.get(timeout=5, fail=True)
        assert message is not None and message.body == b"after"
        await message.ack()
    finally:
        await connection.close()
        await second.stop()
