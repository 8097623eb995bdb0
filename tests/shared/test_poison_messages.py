"""Poison messages are dead-lettered with a reason while valid releases keep flowing."""

from __future__ import annotations

import json

import aio_pika
from aiohttp import web

from services.shared.bus import REASON_HEADER
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import dead_letters, make_release, running, wait_for_state
from tests.shared.conftest import stub_service

VALID = json.loads(first_event(make_release(), actor="ann").dumps())
POISON = [
    b"\x00\x01\x02 random bytes \xff",
    json.dumps(VALID).encode()[:-40],
    json.dumps({"hello": "world"}).encode(),
    json.dumps({**VALID, "state": "exploded"}).encode(),
    json.dumps({**VALID, "schema_version": 99}).encode(),
    json.dumps({**VALID, "seq": -3}).encode(),
    b"{" + b" " * 1_200_000 + b"}",
]


async def test_poison_is_dead_lettered_and_valid_traffic_flows(
    bus_settings: BusSettings, probe: web.Application
) -> None:
    async with running(stub_service(bus_settings)):
        channel = await probe[BUS].connection.channel()
        queue = f"{bus_settings.queue_prefix}builder"
        for i, body in enumerate(POISON * 3):
            await channel.default_exchange.publish(aio_pika.Message(body), routing_key=queue)
            if i % 5 == 0:
                await probe[BUS].publish(first_event(make_release(rid=f"ok{i}"), actor="ann"))
        await channel.close()
        for i in range(0, len(POISON) * 3, 5):
            assert (await wait_for_state(probe[STORE], f"ok{i}", S.BUILT)).state == S.BUILT
        letters = await dead_letters(bus_settings, len(POISON) * 3)
    reasons = [str((m.headers or {})[REASON_HEADER]) for m in letters]
    assert all(reason.startswith(queue) for reason in reasons)
    for expected in ("not JSON", "invalid event", "newer", "exceeds"):
        assert any(expected in reason for reason in reasons), expected
