"""A release while another is live: deployed to the other colour at the live replica count; live untouched."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, deployment, event, make_live, service

pytestmark = pytest.mark.cluster


async def test_standby_gets_the_release_and_live_is_untouched(bus_settings: BusSettings,
                                                              kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0], replicas=3)
        blue_before = await deployment(platform, kube, Colour.BLUE)

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0].release

        assert (staged.live_colour, staged.standby_colour) == (Colour.BLUE, Colour.GREEN)
        assert staged.previous_release == "r1"
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["spec"]["replicas"] == 3  # the live colour's count, not the spec's 2
        assert green["spec"]["template"]["spec"]["containers"][0]["image"] == kube.images[1]
        assert green["metadata"]["annotations"]["greenlight.dev/release-id"] == "r2"
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "awaiting-approval"
        assert (await service(platform, kube, f"{APP}-preview"))["spec"]["selector"]["role"] == "green"
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "blue"
        blue_after = await deployment(platform, kube, Colour.BLUE)
        assert blue_after["metadata"]["resourceVersion"] == blue_before["metadata"]["resourceVersion"]


async def test_the_next_release_redeploys_the_retired_colour(bus_settings: BusSettings,
                                                             kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await make_live(platform, kube, Colour.GREEN, "r2", kube.images[1])
        blue_generation = (await deployment(platform, kube, Colour.BLUE))["metadata"]["generation"]

        await app[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2]))
        staged = (await events.wait("r3", S.AWAITING_APPROVAL))[0].release

        assert (staged.live_colour, staged.standby_colour, staged.previous_release) == \
            (Colour.GREEN, Colour.BLUE, "r2")
        blue = await deployment(platform, kube, Colour.BLUE)
        assert blue["metadata"]["generation"] > blue_generation
        assert blue["spec"]["template"]["spec"]["containers"][0]["image"] == kube.images[2]
        if kube.fake:  # kubernetes-asyncio sent each patch flavour the fake must speak
            assert {kind for method, _, kind in kube.fake.requests if method == "PATCH"} == {
                "application/merge-patch+json", "application/json-patch+json",
                "application/strategic-merge-patch+json"}
