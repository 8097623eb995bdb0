"""A switch whose `live` reached the log but whose confirm did not come back in time, given up on its last allowed
delivery, leaves the release live: nothing is published for it, and the message is dead-lettered.

The broker slow to confirm (a quorum queue's fsync stalling, a loaded node) makes `Bus.publish` raise PublishFailed
after GREENLIGHT_PUBLISH_TIMEOUT although the message was routed: the log and every queue have it. The consumer
requeues, and on the last allowed delivery gives the message up. Before, that give-up (`GiveUp.failing` from
`Deliveries._handle_event`) failed the release from the latest event this process had *confirmed* (`switching`), not
the latest the log held (`live`), and published `failed` at the seq `live` held: the read model kept `live` while
every process heard the `failed` twin, the switcher's put-back took the live Service away from the release the log
and the dashboard showed live, and every service counted the release ended. Only the give-up past the delivery limit
(`GiveUp.unsettled`) read the log. Now every give-up does, and one whose step's outcome is logged settles nothing.
"""

from __future__ import annotations

from typing import Any

import aio_pika
import pytest

from services.shared.bus import Bus, PublishFailed
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import event, service
from tests.harness import dead_letters
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


async def test_a_live_logged_but_confirmed_late_is_not_failed_by_the_give_up(
        bus_settings: BusSettings, kube: KubeTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Bus._publish

    async def confirmed_late(self: Bus, exchange: Any, message: aio_pika.Message, key: str) -> None:
        await real(self, exchange, message, key)  # routed: the log and the queues have it
        if message.message_id == "r2/10" and key.endswith(".live"):
            # ... and its confirm came after GREENLIGHT_PUBLISH_TIMEOUT, as `_publish` reports it then.
            raise PublishFailed(f"publish to {exchange.name}/{key} failed: TimeoutError()")

    monkeypatch.setattr(Bus, "_publish", confirmed_late)
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        await app[BUS].publish(approved)
        [live, *_] = await events.wait("r2", S.LIVE)
        assert live.seq == 10
        # The message is given up on its last allowed delivery (GREENLIGHT_DELIVERY_LIMIT, 5): its publish never
        # confirmed. Given up or not, it ends in the dead-letter queue.
        await dead_letters(bus_settings, 1, timeout=60)
        # Every event published before the dead letter is on the tap before this one, published after it.
        await app[BUS].publish(event("sentinel", S.BUILDING, kube))  # a state the switcher does not bind
        await events.wait("sentinel", S.BUILDING)

        twins = [e for e in events.events if e.release_id == "r2" and e.state is S.FAILED]
        selector = (await service(platform, kube))["spec"]["selector"]["role"]
        assert not twins, (
            f"r2's `live` (seq {live.seq}) is in the log, yet the give-up published `failed` at seq "
            f"{[e.seq for e in twins]} from the last confirmed event (`switching`): two events at one seq, the read "
            f"model keeping `live` while every process hears r2 failed and the switcher puts r1 back "
            f"(Service selects {selector} now). History of r2 on the bus: {events.of('r2')}")
        assert selector == "green", f"r2 is live in the log, yet the Service selects {selector}: {events.of('r2')}"
