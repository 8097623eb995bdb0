"""A body with a lone UTF-16 surrogate escape (`"\\ud800"`) is not JSON this version can write: dead-lettered at once.

The fast parse refused it, but the slow one (json.loads) read it into a str that no event can be written from: the
handler's next event failed to serialise at every delivery (UnicodeEncodeError), and so did the give-up's `failed`,
requeued again and again; the projector's snapshot of it too, and PostgreSQL refuses such JSON (the index of
migration 0009 reads every stored body).
"""

from __future__ import annotations

import json

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


def poisoned(rid: str) -> bytes:
    body = first_event(make_release(rid=rid), actor="ann").dumps().decode()
    return body.replace('"requested_by":"ann"', '"requested_by":"ann\\ud800"').encode()


def test_a_lone_surrogate_is_not_json() -> None:
    assert b"\\ud800" in poisoned("r-surrogate")
    with pytest.raises(BadMessage, match="not JSON"):
        parse_event(poisoned("r-surrogate"))
    paired = poisoned("r-pair").replace(b"\\ud800", b"\\ud83d\\ude80")  # a pair is a character: read
    assert parse_event(paired).release.requested_by == "ann\U0001f680"


async def test_a_lone_surrogate_is_dead_lettered_and_traffic_flows(bus_settings: BusSettings,
                                                                  probe: web.Application) -> None:
    body = poisoned("r-surrogate")
    async with running(stub_service(bus_settings)):
        channel = await probe[BUS].connection.channel()
        exchange = await channel.get_exchange(bus_settings.exchange, ensure=False)
        await exchange.publish(aio_pika.Message(body, headers={"app": "demo"}),
                               routing_key="release.demo.requested")
        await channel.close()
        [letter] = await dead_letters(bus_settings, 1)
        await probe[BUS].publish(first_event(make_release(rid="r-after"), actor="ann"))
        await wait_for_state(probe[STORE], "r-after", S.BUILT)
    assert "not JSON" in str((letter.headers or {})[REASON_HEADER])
    assert letter.body == body
    assert "r-surrogate" not in probe[STORE].history
    assert json.loads(letter.body)["release_id"] == "r-surrogate"
