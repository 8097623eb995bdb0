"""A standby scaled to zero while it awaited approval (by hand during a long soak, or by an autoscaler) is scaled up
and awaited before live traffic moves to it.

The switch waited for the standby's rollout to be done, and zero desired replicas, all zero available, is a finished
rollout (the platforms' contract): the live Service was pointed at a colour with no pods at all, every request
refused until someone scaled it up by hand. The switcher now gives the standby the replicas the deployer would
(the live colour's), waits until they are available, and only then switches.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, deployment, service, until_replicas
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


async def test_the_switch_never_points_live_traffic_at_zero_pods(bus_settings: BusSettings,
                                                                 kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-green", {"spec": {"replicas": 0}})
        await until_replicas(platform, kube, Colour.GREEN, 0)
        if kube.fake is not None:
            kube.fake.rollouts.delay = 2.0  # a switch that did not wait would find green still rolling out below

        await app[BUS].publish(approved)
        outcome = (await events.wait("r2", S.LIVE, S.FAILED))[0]

        assert outcome.state is S.LIVE, outcome.release.error
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "green"
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["spec"]["replicas"] == 2, "live traffic was switched to a colour with no pods"
        assert green["status"].get("availableReplicas") == 2, green["status"]
