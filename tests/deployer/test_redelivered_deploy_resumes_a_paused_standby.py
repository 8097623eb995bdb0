"""A deploy redelivered after the deployer died mid-step resumes a standby someone paused meanwhile.

The first attempt's patch is in place (this release, its image, its replicas), so the redelivery wrote nothing; a
`kubectl rollout pause` in between then held the rollout where it stood, with no deadline, until the whole rollout
timeout failed the release. The redelivery now writes again when the Deployment is paused.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.platform import ColourStatus, Rollout
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment, event, make_live, stage
from tests.harness import SHA

pytestmark = pytest.mark.cluster


async def test_redelivery_resumes_a_paused_rollout(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        # green still runs r0's two pods (retired, kept warm); blue serves r1
        await stage(platform, kube, Colour.GREEN, "r0", kube.images[2], ColourStatus.RETIRED)
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        if kube.fake:
            kube.fake.rollouts.delay = 5.0  # the killed attempt's rollout is still under way when it is paused
        # The first delivery's deploy, then the process was killed before it saw the colour ready; then someone paused
        # the rollout midway: one new pod of two, beside r0's (the controller starts no more until it is resumed).
        await platform.deploy(app_ref(kube), Colour.GREEN, Rollout("r2", SHA, kube.images[1]), 2)
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-green",
                                 [{"op": "add", "path": "/spec/paused", "value": True}])
        if kube.fake:
            kube.fake.rollouts.delay = 0.05

        async with deployer(bus_settings, kube) as (app, events):
            await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
            outcome = (await events.wait("r2", S.AWAITING_APPROVAL, S.FAILED))[0]
        green = await deployment(platform, kube, Colour.GREEN)

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    assert not green["spec"].get("paused")
