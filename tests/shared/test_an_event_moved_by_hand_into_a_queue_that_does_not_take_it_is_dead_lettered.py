"""An event of a state a service does not subscribe to, put into its work queue by hand under the queue's own name
(through the default exchange), is dead-lettered saying so, and its handler never runs.

The routing check only compares a `release.` key with the body; under the queue's name nothing was checked, and the
handler took whatever came: the deployer acts on `pushed` and frees the release's colour on anything else, so a
stray `awaiting_approval` scaled a release's standby to zero while it waited for approval. A retry, which comes back
under the queue's name too (from its retry queue, which the broker says in `x-death`), is still handled.
"""

from __future__ import annotations

import aio_pika
from aiohttp import web

from services.shared.bus import REASON_HEADER, Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE, add_subscriptions, service_app
from services.shared.settings import BusSettings
from services.shared.transient import Retry
from tests.harness import dead_letters, make_release, running, wait_for_state


def deployer_like(settings: BusSettings, handed: list[ReleaseEvent]) -> web.Application:
    """Stages `pushed` (once after a retry); anything else it is handed, it "frees"."""

    async def handle(event: ReleaseEvent, bus: Bus) -> None:
        handed.append(event)
        if event.state is not S.PUSHED:
            return  # the deployer's teardown of the release's colour
        if len(handed) == 1:
            raise Retry("cluster unavailable", dependency="cluster")
        await bus.publish(event.next(S.DEPLOYING, actor="deployer"))

    app = service_app("deployer", settings)
    add_subscriptions(app, lambda app: [Subscription("deployer", [S.PUSHED], handle)])
    return app


def pushed(rid: str) -> ReleaseEvent:
    built = first_event(make_release(rid=rid), actor="ann").next(S.BUILDING, actor="test").next(
        S.BUILT, actor="test", image="reg/demo:1")
    return built.next(S.PUSHING, actor="test").next(S.PUSHED, actor="test")


async def test_an_event_moved_by_hand_into_a_queue_that_does_not_take_it_is_dead_lettered(
        bus_settings: BusSettings, probe: web.Application) -> None:
    handed: list[ReleaseEvent] = []
    waiting = pushed("r-waiting").next(S.DEPLOYING, actor="test").next(S.AWAITING_APPROVAL, actor="test")
    async with running(deployer_like(bus_settings, handed)):
        channel = await probe[BUS].connection.channel()
        await channel.default_exchange.publish(aio_pika.Message(waiting.dumps(), headers={"app": waiting.app}),
                                               routing_key=f"{bus_settings.queue_prefix}deployer")
        await channel.close()
        [letter] = await dead_letters(bus_settings, 1)
        # A barrier, and the retry path: a `pushed` retried once comes back under the queue's name and is handled.
        await probe[BUS].publish(pushed("r-after"))
        await wait_for_state(probe[STORE], "r-after", S.DEPLOYING)
    reason = str((letter.headers or {})[REASON_HEADER])
    assert "awaiting_approval" in reason and "by hand" in reason, reason
    assert letter.body == waiting.dumps()
    assert [(event.release_id, event.state) for event in handed] == [("r-after", S.PUSHED)] * 2
