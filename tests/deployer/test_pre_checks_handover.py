"""A release whose greenlight.yaml has pre-promotion checks is staged, then handed to the analysis (`analysing`)
instead of asking for approval; a failed analysis frees the standby, live untouched."""

from __future__ import annotations

import pytest

from services.shared.analysis_spec import AnalysisSpec
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import SPEC, deployment, event, make_live, service, until_replicas

pytestmark = pytest.mark.cluster
CHECKS = AnalysisSpec.model_validate({"pre": [{"name": "health", "http": {"path": "/"}}]})


async def test_staged_release_goes_to_analysis_then_a_failure_frees_the_standby(bus_settings: BusSettings,
                                                                                kube: KubeTarget) -> None:
    spec = SPEC.model_copy(update={"namespace": kube.namespace, "analysis": CHECKS})
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await app[BUS].publish(event("r2", S.PUSHED, kube, spec=spec, image=kube.images[1]))
        analysing = (await events.wait("r2", S.ANALYSING))[0]
        assert events.of("r2")[-2:] == [(S.DEPLOYING, 6), (S.ANALYSING, 7)]
        assert analysing.details == {"standby_colour": "green", "live_colour": "blue",
                                     "preview": analysing.release.preview}
        assert analysing.release.standby_colour is Colour.GREEN and analysing.release.previous_release == "r1"
        assert (await service(platform, kube, "demo-preview"))["spec"]["selector"]["role"] == "green"

        # What the analysis service publishes when a check fails: the deployer frees green as for any failure.
        await app[BUS].publish(analysing.next(S.FAILED, actor="analysis", error=ReleaseError(
            step="analysis", reason="pre-promotion analysis failed: check health")))
        await until_replicas(platform, kube, Colour.GREEN, 0)
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "blue"
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2
