"""A Bus.connect that fails after the connection opened closes it instead of leaking it."""

from __future__ import annotations

import asyncio
import subprocess

import aio_pika
import pytest

from services.shared.bus import Bus
from services.shared.settings import BusSettings


async def broker_connection_names() -> str:
    listing = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", "list_connections", "client_properties",
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(listing.communicate(), 30)
    assert listing.returncode == 0, "rabbitmqctl could not list the broker's connections"
    return out.decode()


async def test_a_refused_topology_leaves_no_connection_open(bus_settings: BusSettings, test_id: str) -> None:
    # The exchange exists as another type: declaring the topology fails with PRECONDITION_FAILED.
    setup = await aio_pika.connect(bus_settings.amqp_url.get_secret_value())
    async with setup:
        await (await setup.channel()).declare_exchange(bus_settings.exchange, aio_pika.ExchangeType.FANOUT,
                                                      durable=True)
    name = f"gltest-leak-{test_id}"
    bus = Bus(bus_settings, connection_name=name)
    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
        await bus.connect()
    assert name not in await broker_connection_names()
