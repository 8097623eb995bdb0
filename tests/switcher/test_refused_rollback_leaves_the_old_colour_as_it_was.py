"""A rollback refused because the previous colour, scaled up again after its warm window, never became ready
leaves that colour as it found it: scaled down.

The rollback scaled the previous colour back up to the live colour's replicas and waited; once the wait failed it
marked the colour retired again and kept the replicas it had asked for. Its scale-down timer had fired already, so
none came again: the previous release's pods (here failing to pull an image gone from the registry) stayed
requested until the app's next release took the colour, however long that was.

The fake API server timed such a scale-up out at the progress deadline; a real controller does not (it keeps the
Deployment's NewReplicaSetAvailable condition for a scaling event), so neither does the fake now.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment, service, until_replicas
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster
# A scale-up of a finished rollout never reaches its progress deadline (the controller estimates no progress for
# it), so only the switcher's own readiness timeout ends the wait; well within the test's patience.
READY_TIMEOUT = 3.0


async def test_a_refused_rollback_scales_the_old_colour_down_again(bus_settings: BusSettings,
                                                                   kube: KubeTarget) -> None:
    async with kube.platform() as platform, \
            switcher(bus_settings, kube, scale_down_delay=0.5, ready_timeout=READY_TIMEOUT) as (app, events):
        await app[BUS].publish(await live_and_staged(platform, kube, app))
        live = (await events.wait("r2", S.LIVE))[0]
        await until_replicas(platform, kube, Colour.BLUE, 0)  # past the warm window

        # What a registry that dropped r1's image does to the pods it would start.
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue",
                                 {"spec": {"template": {"spec": {"containers": [
                                     {"name": "app", "image": kube.bad_image}]}}}})
        await platform.wait_ready(app_ref(kube), Colour.BLUE, "r1", kube.patience)  # a rollout of no pods, done
        await app[BUS].publish(live.next(S.ROLLING_BACK, actor="ann"))
        refused = (await events.wait("r2", S.LIVE, count=2))[1]

        assert "rollback_refused" in refused.details, refused.details
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "green"
        blue = await deployment(platform, kube, Colour.BLUE)
        assert blue["spec"]["replicas"] == 0, "the refused rollback left the old colour scaled up"
        assert (await platform.read(app_ref(kube))).colours[Colour.BLUE].status is ColourStatus.RETIRED
