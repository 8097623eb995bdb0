"""A `pushed` redelivered after its release went live writes nothing to the cluster: the live colour is not
redeployed and the preview stays on the colour of the release now awaiting approval."""

from __future__ import annotations

import pytest

from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment, event, make_live, service

pytestmark = pytest.mark.cluster


async def test_pushed_redelivered_after_live_leaves_cluster_and_log_alone(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        pushed2 = event("r2", S.PUSHED, kube, image=kube.images[1])
        await app[BUS].publish(pushed2)
        await events.wait("r2", S.AWAITING_APPROVAL)
        # What the switcher does once r2 is approved: green live, blue kept warm for a rollback.
        await platform.mark(app_ref(kube), Colour.GREEN, "r2", ColourStatus.LIVE)
        await platform.switch(app_ref(kube), Colour.BLUE, Colour.GREEN, "r2")
        pushed3 = event("r3", S.PUSHED, kube, image=kube.images[2])
        await app[BUS].publish(pushed3)
        await events.wait("r3", S.AWAITING_APPROVAL)
        r2_events = events.of("r2")
        green = await deployment(platform, kube, Colour.GREEN)
        preview = await service(platform, kube, f"{APP}-preview")
        assert preview["spec"]["selector"]["role"] == "blue"

        await app[BUS].publish(pushed2)
        # r3's own redelivery queues behind r2's under the app's lock: once it is answered, r2's was handled.
        await app[BUS].publish(pushed3)
        await events.wait("r3", S.AWAITING_APPROVAL, count=2)

        # A reviewer of r3 must still see r3: the redelivery must not point the preview at live r2.
        assert (await service(platform, kube, f"{APP}-preview"))["metadata"]["resourceVersion"] == \
            preview["metadata"]["resourceVersion"]
        assert (await deployment(platform, kube, Colour.GREEN))["metadata"]["resourceVersion"] == \
            green["metadata"]["resourceVersion"]
        # The redelivery and its `deploying` again (the same event: the read model keeps it once), no outcome.
        assert events.of("r2") == [*r2_events, (S.PUSHED, 5), (S.DEPLOYING, 6)]
