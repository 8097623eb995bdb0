"""The first address's query (`heartbeat`, as the README says) applies to every address of AMQP_URL. aiormq reads the
heartbeat from the URL it connects to, so a bus moved to a node listed without a query ran with the default 60 s: a
replica cut off by a silent network stopped its handlers after 90 s instead of 7.5 (silence.py), and the broker
handed its partitions on minutes later."""

from __future__ import annotations

from pydantic import SecretStr

from services.shared.bus import Bus
from services.shared.settings import BusSettings
from services.shared.silence import heartbeat_of
from tests.ports import free_port as closed_port  # nothing listens there


async def test_the_heartbeat_of_the_first_address_applies_to_the_next(bus_settings: BusSettings) -> None:
    real = bus_settings.amqp_urls()[0].split("?")[0]
    listed = f"amqp://guest:guest@127.0.0.1:{closed_port()}/?heartbeat=5,{real}"
    bus = Bus(bus_settings.model_copy(update={"amqp_url": SecretStr(listed)}), connection_name="gltest-multihost-hb")
    await bus.connect()
    try:
        assert str(bus.connection.url).split("@")[1].split("?")[0] == real.split("@")[1]  # on the second address
        assert heartbeat_of(bus.connection) == 5
    finally:
        await bus.close()
