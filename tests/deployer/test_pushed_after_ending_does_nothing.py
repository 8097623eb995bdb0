"""A `pushed` redelivered after its release ended (rejected, failed) neither deploys nor publishes: the freed
standby stays free for the app's next release."""

from __future__ import annotations

import aio_pika
import pytest

from services.shared.events import ReleaseEvent
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment, event, make_live, until_replicas

pytestmark = pytest.mark.cluster


async def redeliver(settings: BusSettings, event: ReleaseEvent) -> None:
    """Straight to the exchange: the deployer's own Bus refuses to publish for a release it saw end."""
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(settings.exchange, ensure=False)
        await exchange.publish(aio_pika.Message(event.dumps(), message_id=event.message_id,
                                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                               event.routing_key, mandatory=True)


@pytest.mark.parametrize("ending", [S.REJECTED, S.FAILED])
async def test_pushed_redelivered_after_the_ending_is_dropped(bus_settings: BusSettings, kube: KubeTarget,
                                                              ending: S) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        pushed = event("r2", S.PUSHED, kube, image=kube.images[1])
        await app[BUS].publish(pushed)
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0]
        error = ReleaseError(step="approval", reason="expired") if ending is S.FAILED else None
        await app[BUS].publish(staged.next(ending, actor="bob", error=error))
        await until_replicas(platform, kube, Colour.GREEN, 0)
        before = events.of("r2")

        await redeliver(bus_settings, pushed)
        # The next release of the app queues behind the redelivery under the app's lock: once it is staged,
        # the redelivery was handled, and it found green free.
        await app[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2]))
        staged3 = (await events.wait("r3", S.AWAITING_APPROVAL, S.FAILED))[0].release

        assert events.of("r2") == [*before, (S.PUSHED, 5)]  # the redelivery itself, nothing after it
        assert (staged3.state, staged3.standby_colour) == (S.AWAITING_APPROVAL, Colour.GREEN), staged3.error
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2


async def test_a_replica_that_missed_the_ending_does_not_redeploy_the_freed_colour(
        bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        pushed = event("r2", S.PUSHED, kube, image=kube.images[1])
        await app[BUS].publish(pushed)
        await events.wait("r2", S.AWAITING_APPROVAL)
        # Another replica tore r2 down; this one never saw r2 end, so only green's mark tells it.
        await platform.mark(app_ref(kube), Colour.GREEN, "r2", ColourStatus.RELEASED)
        await platform.scale(app_ref(kube), Colour.GREEN, 0, if_release="r2")
        freed = await deployment(platform, kube, Colour.GREEN)

        await app[BUS].publish(pushed)
        failed = (await events.wait("r2", S.FAILED))[0].release

        assert failed.error is not None and failed.error.reason == "release already ended; green was freed"
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["metadata"]["generation"] == freed["metadata"]["generation"]
        assert green["spec"]["replicas"] == 0
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
