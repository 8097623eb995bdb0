"""A malformed message whose dead-lettering failed (the dead-letter exchange refused it or the broker was away for a
moment) was requeued at once: redelivered and refused again in a tight loop, it spent the queue's delivery limit in
milliseconds, and the broker's own dead-lettering then kept none of the reason. It is requeued after the give-up's
pause, as a `failed` that could not be published is."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
import pytest
from aiohttp import web

from services.shared import giveup
from services.shared.bus import REASON_HEADER, Bus, PublishFailed
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.harness import dead_letters, running
from tests.shared.conftest import stub_service

PAUSE = 0.5


async def test_a_failed_dead_lettering_waits_before_the_next_try(bus_settings: BusSettings, probe: web.Application,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(giveup, "GIVE_UP_BACKOFF", PAUSE)
    loop = asyncio.get_running_loop()
    tries: list[float] = []
    service = stub_service(bus_settings)
    async with running(service):
        bus: Bus = service[BUS]
        real = bus.dead_letter

        async def refused_once(*args: Any, **kwargs: Any) -> None:
            tries.append(loop.time())
            if len(tries) == 1:
                raise PublishFailed("publish to the dead-letter exchange failed: the broker was away")
            await real(*args, **kwargs)

        monkeypatch.setattr(bus, "dead_letter", refused_once)
        channel = await probe[BUS].connection.channel()
        await channel.default_exchange.publish(aio_pika.Message(b"not json at all"),
                                               routing_key=f"{bus_settings.queue_prefix}builder")
        await channel.close()
        letters = await dead_letters(bus_settings, 1)
    assert "not JSON" in str((letters[0].headers or {})[REASON_HEADER])
    assert len(tries) == 2, tries
    assert tries[1] - tries[0] >= PAUSE * 0.9, tries
