"""Rollback: a selector flip within the scale-down delay; after it, scale up and wait first."""

from __future__ import annotations

import pytest

from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment, event, make_live, service, until_replicas
from tests.switcher.running import live_and_staged, logged, switcher

pytestmark = pytest.mark.cluster


async def test_rollback_within_the_delay_flips_the_selector_back(bus_settings: BusSettings,
                                                                 kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        await app[BUS].publish(await live_and_staged(platform, kube, app))
        live = (await events.wait("r2", S.LIVE))[0]
        blue_generation = (await deployment(platform, kube, Colour.BLUE))["metadata"]["generation"]

        await app[BUS].publish(live.next(S.ROLLING_BACK, actor="ann"))
        rolled_back = (await events.wait("r2", S.ROLLED_BACK))[0]
        restored = (await events.wait("r1", S.LIVE, count=2))[1]

        assert (rolled_back.seq, restored.seq) == (12, 12)  # r1: live 10, superseded 11, live 12
        assert restored.details == {"restored_by_rollback_of": "r2"}
        svc = await service(platform, kube)
        assert svc["spec"]["selector"]["role"] == "blue"
        assert svc["metadata"]["annotations"]["greenlight.dev/release-id"] == "r1"
        assert (await deployment(platform, kube, Colour.BLUE))["metadata"]["generation"] == blue_generation
        state = await platform.read(app_ref(kube))
        assert state.colours[Colour.BLUE].status is ColourStatus.LIVE
        assert state.colours[Colour.GREEN].status is ColourStatus.RETIRED


async def test_rollback_after_the_delay_scales_up_and_waits_first(bus_settings: BusSettings,
                                                                  kube: KubeTarget) -> None:
    async with kube.platform() as platform, \
            switcher(bus_settings, kube, scale_down_delay=1.0) as (app, events):
        await app[BUS].publish(await live_and_staged(platform, kube, app))
        live = (await events.wait("r2", S.LIVE))[0]
        await until_replicas(platform, kube, Colour.BLUE, 0)  # the scale-down timer fired
        if kube.fake is not None:
            # Blue's rollout must outlast the trip of `rolled_back` to this test: at the fake's usual 50 ms, a
            # rollback that switched without waiting could still find blue available below on a loaded machine.
            kube.fake.rollouts.delay = 2.0

        await app[BUS].publish(live.next(S.ROLLING_BACK, actor="ann"))
        await events.wait("r2", S.ROLLED_BACK)

        blue = await deployment(platform, kube, Colour.BLUE)
        assert blue["spec"]["replicas"] == 2
        assert blue["status"].get("availableReplicas") == 2, blue["status"]  # ready before traffic came back
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "blue"
        # The rolled-back colour retires in turn.
        await until_replicas(platform, kube, Colour.GREEN, 0)


async def test_rollback_without_a_previous_release_is_refused(bus_settings: BusSettings,
                                                              kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await logged(app, event("r1", S.LIVE, kube, image=kube.images[0], standby_colour=Colour.BLUE))
        before = await service(platform, kube)
        # r1 is the app's first release: nothing to go back to. (Asked of r1 once r2 had superseded it at seq 11,
        # it was a twin of `superseded` the read model never folds, and the switcher now leaves it.)
        rolling = event("r1", S.ROLLING_BACK, kube, seq=11, image=kube.images[0], standby_colour=Colour.BLUE)

        await app[BUS].publish(rolling)
        refused = (await events.wait("r1", S.LIVE, count=2))[1]

        assert refused.seq == 12
        assert refused.details == {"rollback_refused": "there is no previous release to roll back to"}
        assert (await service(platform, kube))["metadata"]["resourceVersion"] == \
            before["metadata"]["resourceVersion"]
