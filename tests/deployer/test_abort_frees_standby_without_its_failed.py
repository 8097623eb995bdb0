"""The replica rolling the standby out frees it itself when it learns of the abort from its endings queue,
even if the abort's `failed` never reaches its work queue (another replica takes it, later or never): the
colour is not left running at the rollout timeout's mercy."""

from __future__ import annotations

import pytest

from services.deployer.app import create_app
from services.deployer.settings import DeployerSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, make_live, tap, until_replicas
from tests.harness import running

pytestmark = pytest.mark.cluster
ROLLOUT = 300.0  # the standby never becomes ready: only the abort can end the wait within the test


async def test_abort_known_only_from_the_endings_queue_frees_the_standby(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    settings = DeployerSettings(bus=bus_settings, kube=kube.settings(progress_deadline=int(ROLLOUT)),
                                rollout_timeout=ROLLOUT)
    async with kube.platform() as platform, tap(bus_settings, kube.patience) as events, \
            running(create_app(settings)) as app:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.bad_image))
        deploying = (await events.wait("r2", S.DEPLOYING))[0]
        await until_replicas(platform, kube, Colour.GREEN, 2)

        app[BUS].ended.add(deploying.next(S.FAILED, actor="ann",
                                          error=ReleaseError(step="abort", reason="aborted by ann")))
        green = await until_replicas(platform, kube, Colour.GREEN, 0)

        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2
    assert events.of("r2") == [(S.PUSHED, 5), (S.DEPLOYING, 6)]  # the deployer announced no outcome of its own
