"""A standby that never becomes available fails the release with the cluster's reason, then is freed."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, deployment, event, make_live, service, until_replicas

pytestmark = pytest.mark.cluster


async def test_progress_deadline_fails_the_release_and_frees_the_standby(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.bad_image))
        failed = (await events.wait("r2", S.FAILED))[0].release

        assert failed.error is not None and failed.error.step == "deploy"
        # The platform's reason as it is, under its documented prefix: not wrapped as a refused deployment.
        assert failed.error.reason.startswith("rollout of demo-green failed: ProgressDeadlineExceeded"), \
            failed.error.reason
        assert failed.error.log_tail and "available" in failed.error.log_tail
        assert events.of("r2") == [(S.PUSHED, 5), (S.DEPLOYING, 6), (S.FAILED, 7)]
        # Its own `failed` event makes the deployer free the colour: marked released, scaled to zero.
        green = await until_replicas(platform, kube, Colour.GREEN, 0)
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
        assert (await service(platform, kube, f"{APP}-preview"))["spec"]["selector"]["role"] == "none"
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "blue"
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2
