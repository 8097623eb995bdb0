"""A second release cannot take a standby owned by a release awaiting approval; a rejection frees it."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, make_live, until_replicas

pytestmark = pytest.mark.cluster


async def test_second_release_is_rejected_while_the_first_awaits_approval(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await events.wait("r2", S.AWAITING_APPROVAL)
        green_before = await deployment(platform, kube, Colour.GREEN)

        await app[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2]))
        failed = (await events.wait("r3", S.FAILED))[0].release

        assert failed.error is not None
        assert failed.error.reason == "standby owned by release r2 awaiting approval"
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["metadata"]["resourceVersion"] == green_before["metadata"]["resourceVersion"]


async def test_rejection_frees_the_standby_for_the_next_release(bus_settings: BusSettings,
                                                                kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0]

        await app[BUS].publish(staged.next(S.REJECTED, actor="bob"))
        green = await until_replicas(platform, kube, Colour.GREEN, 0)
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"

        await app[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2]))
        staged3 = (await events.wait("r3", S.AWAITING_APPROVAL))[0].release
        assert staged3.standby_colour is Colour.GREEN
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["metadata"]["annotations"]["greenlight.dev/release-id"] == "r3"
        assert green["spec"]["replicas"] == 2
