"""A redelivered `pushed` re-emits the same events and writes nothing to the cluster."""

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


async def test_duplicate_pushed_reemits_awaiting_approval_without_a_second_patch(bus_settings: BusSettings,
                                                                                 kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        pushed = event("r2", S.PUSHED, kube, image=kube.images[1])
        await app[BUS].publish(pushed)
        first = (await events.wait("r2", S.AWAITING_APPROVAL))[0]
        green = await deployment(platform, kube, Colour.GREEN)
        preview = await service(platform, kube, f"{APP}-preview")
        patches = kube.fake.count("PATCH") if kube.fake else 0

        await app[BUS].publish(pushed)
        again = await events.wait("r2", S.AWAITING_APPROVAL, count=2)

        assert again[1].message_id == first.message_id
        assert again[1].release.standby_colour is Colour.GREEN
        assert again[1].release.previous_release == "r1"
        assert [m.message_id for m in await events.wait("r2", S.DEPLOYING, count=2)] == ["r2/6", "r2/6"]
        assert (await deployment(platform, kube, Colour.GREEN))["metadata"]["resourceVersion"] == \
            green["metadata"]["resourceVersion"]
        assert (await service(platform, kube, f"{APP}-preview"))["metadata"]["resourceVersion"] == \
            preview["metadata"]["resourceVersion"]
        if kube.fake:
            assert kube.fake.count("PATCH") == patches  # not even a no-op patch was sent


async def test_concurrent_duplicates_deploy_once(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        pushed = event("r1", S.PUSHED, kube, image=kube.images[0])
        await app[BUS].publish(pushed)
        await app[BUS].publish(pushed)
        both = await events.wait("r1", S.AWAITING_APPROVAL, count=2)

        assert {e.message_id for e in both} == {"r1/7"}
        assert all(e.release.standby_colour is Colour.BLUE for e in both)
        blue = await deployment(platform, kube, Colour.BLUE)
        assert blue["metadata"]["generation"] == 1
        assert blue["metadata"]["annotations"]["greenlight.dev/state"] == "awaiting-approval"
