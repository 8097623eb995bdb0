"""An event whose routing key names another state or app than its body is dead-lettered at once, saying so, and its
release is left alone.

The queue took it for the key's state; the handler read the body's. A `built` event routed as `requested` reached the
builder, whose `building` from `built` is an illegal transition: it was redelivered to the limit, then the builder
"gave up" and published `failed` for that release, which may be one going on well (its seq colliding with the
release's own next event).
"""

from __future__ import annotations

import aio_pika
from aiohttp import web

from services.shared.bus import REASON_HEADER
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.protocol import routing_key
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import dead_letters, make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_body_and_key_disagreeing_is_dead_lettered(bus_settings: BusSettings, probe: web.Application) -> None:
    requested = first_event(make_release(rid="r-misrouted"), actor="ann")
    built = requested.next(S.BUILDING, actor="builder").next(S.BUILT, actor="builder", image="reg/demo:1")
    async with running(stub_service(bus_settings)):
        channel = await probe[BUS].connection.channel()
        exchange = await channel.get_exchange(bus_settings.exchange, ensure=False)
        await exchange.publish(aio_pika.Message(built.dumps(), headers={"app": built.app}),
                               routing_key=routing_key(built.app, S.REQUESTED))
        await channel.close()
        [letter] = await dead_letters(bus_settings, 1)
        # Anything the builder published for the misrouted release came before its dead letter, so before this.
        await probe[BUS].publish(first_event(make_release(rid="r-after", app="other"), actor="ann"))
        await wait_for_state(probe[STORE], "r-after", S.BUILT)
    reason = str((letter.headers or {})[REASON_HEADER])
    assert "routing key" in reason and "built" in reason, reason
    assert letter.body == built.dumps()
    assert [stored.event.state for stored in probe[STORE].history["r-misrouted"]] == [S.BUILT]
