"""An event in a state a newer Greenlight added is dead-lettered saying so, kept as it came, and traffic flows on.

During a rolling upgrade a newer replica may bind a shared work queue to a state this version does not know. This one
cannot act on it: the dead letter's reason names the state and what it likely is (it was the list of all 17 states
this version knows, twice), and its body is the one sent, to replay once every replica reads it.
"""

from __future__ import annotations

import json

import aio_pika
from aiohttp import web

from services.shared.bus import REASON_HEADER, Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, add_subscriptions, service_app
from services.shared.settings import BusSettings
from tests.harness import dead_letters, make_release, running


async def test_a_newer_state_is_dead_lettered_with_its_name(bus_settings: BusSettings, probe: web.Application) -> None:
    handled: list[ReleaseEvent] = []

    async def record(event: ReleaseEvent, bus: Bus) -> None:
        handled.append(event)

    app = service_app("deployer", bus_settings)
    # Bound as a newer replica would have bound the shared queue.
    add_subscriptions(app, lambda app: [Subscription("deployer", [S.PUSHED], record,
                                                     extra_routing_keys=("release.*.canarying",))])
    valid = json.loads(first_event(make_release(rid="r-newer"), actor="ann").dumps())
    body = json.dumps({**valid, "seq": 7, "state": "canarying", "canary_weight": 10,
                       "release": {**valid["release"], "state": "canarying", "seq": 7}}).encode()
    async with running(app):
        channel = await probe[BUS].connection.channel()
        exchange = await channel.get_exchange(bus_settings.exchange, ensure=False)
        await exchange.publish(aio_pika.Message(body, headers={"app": "demo"}), routing_key="release.demo.canarying")
        await channel.close()
        [letter] = await dead_letters(bus_settings, 1)
    reason = str((letter.headers or {})[REASON_HEADER])
    assert "'canarying' is unknown to this version" in reason and "newer" in reason, reason
    assert "awaiting_approval" not in reason  # not the list of every state known
    assert letter.body == body
    assert handled == []
