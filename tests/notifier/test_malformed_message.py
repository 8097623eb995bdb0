"""An unparsable message on the notifier's queue is dead-lettered with the reason; the next one is delivered."""

from __future__ import annotations

import aio_pika

from services.shared.bus import REASON_HEADER
from services.shared.settings import BusSettings
from tests.harness import dead_letters
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver


async def test_poison_is_dead_lettered_and_delivery_goes_on(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    async with rig(bus_settings, postgres_url, receiver) as r:
        channel = await r.bus.connection.channel()
        await channel.default_exchange.publish(aio_pika.Message(b"{not json"), bus_settings.queue_prefix + "notifier")
        await channel.close()
        await r.publish(*walk("r9", "demo"))
        [dead] = await dead_letters(bus_settings, 1)
        assert [d["id"] for d in await receiver.wait_for(1)] == ["r9/1"]
    assert "notifier: not JSON" in str((dead.headers or {})[REASON_HEADER])
