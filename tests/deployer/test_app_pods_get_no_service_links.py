"""The app's pods get no service links: no `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT_…` variables for every Service.

The API server defaults a pod's `enableServiceLinks` to true, and the kubelet then puts a docker-links style set of
variables for every Service of the namespace into every container: with many apps and their colours' Services in one
namespace, hundreds of variables per pod, and a Service named after an app's own variable (`<APP>_PORT` for a
Service `<app>`) overrode it. Greenlight's pod template turns them off (apps reach Services by DNS name), on a colour
created now and on one an earlier Greenlight created with the default.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, deployment, event, make_live, stage

pytestmark = pytest.mark.cluster
LINKS_ON = [{"op": "add", "path": "/spec/template/spec/enableServiceLinks", "value": True}]


async def test_a_new_colour_has_service_links_off(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0]))
        outcome = (await events.wait("r1", S.AWAITING_APPROVAL, S.FAILED))[0]
        blue = await deployment(platform, kube, Colour.BLUE)

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    assert blue["spec"]["template"]["spec"]["enableServiceLinks"] is False


async def test_a_colour_made_with_the_default_has_them_turned_off_at_the_next_deploy(bus_settings: BusSettings,
                                                                                      kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await stage(platform, kube, Colour.BLUE, "r0", kube.images[0], ColourStatus.RETIRED)
        await make_live(platform, kube, Colour.GREEN, "r1", kube.images[1])
        # blue as a Greenlight before this change left it: the API server's default, links on
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", LINKS_ON)
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["template"]["spec"]["enableServiceLinks"]

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[2]))
        outcome = (await events.wait("r2", S.AWAITING_APPROVAL, S.FAILED))[0]
        blue = await deployment(platform, kube, Colour.BLUE)

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    assert blue["spec"]["template"]["spec"]["enableServiceLinks"] is False
