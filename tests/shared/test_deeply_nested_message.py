"""A body nested too deeply for json.loads (100 kB of "[") is a malformed message like any other: dead-lettered
with a reason, and the queue goes on. It raised RecursionError, which no reader caught (they catch BadMessage), so
the handling task died with the message neither acked nor dead-lettered, holding a prefetch slot for good. Every
reader of the log (the projector, the log readers, the endings cache) parses through the same function.
"""

from __future__ import annotations

import aio_pika
import pytest
from aiohttp import web

from services.shared.bus import REASON_HEADER
from services.shared.events import BadMessage, first_event, parse_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import dead_letters, make_release, running, wait_for_state
from tests.shared.conftest import stub_service

DEEP = b"[" * 100_000  # 100 kB, well under MAX_BODY_BYTES


def test_every_reader_sees_a_bad_message() -> None:
    with pytest.raises(BadMessage, match="nested too deeply"):
        parse_event(DEEP)


async def test_deeply_nested_body_is_dead_lettered_with_a_reason(
    bus_settings: BusSettings, probe: web.Application
) -> None:
    async with running(stub_service(bus_settings)):
        channel = await probe[BUS].connection.channel()
        queue = f"{bus_settings.queue_prefix}builder"
        await channel.default_exchange.publish(aio_pika.Message(DEEP), routing_key=queue)
        await channel.close()
        [letter] = await dead_letters(bus_settings, 1, timeout=10)
    assert str((letter.headers or {})[REASON_HEADER]).startswith(queue)


async def test_deeply_nested_body_does_not_stall_the_queue(
    bus_settings: BusSettings, probe: web.Application
) -> None:
    settings = bus_settings.model_copy(update={"prefetch": 1})
    async with running(stub_service(settings)):
        channel = await probe[BUS].connection.channel()
        queue = f"{bus_settings.queue_prefix}builder"
        await channel.default_exchange.publish(aio_pika.Message(DEEP), routing_key=queue)
        await channel.close()
        await probe[BUS].publish(first_event(make_release(rid="ok-after"), actor="ann"))
        assert (await wait_for_state(probe[STORE], "ok-after", S.BUILT, timeout=10)).state == S.BUILT
