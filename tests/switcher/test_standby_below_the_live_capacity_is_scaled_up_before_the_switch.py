"""The standby gets the live colour's replica count when it is deployed. If the live colour grew while the standby
awaited approval (an autoscaler under load), the switch put the whole load on fewer pods than carried it a moment
before. The switcher now scales the standby up to the live colour's count, and awaits them, before it switches.
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


async def test_the_standby_takes_live_traffic_with_as_many_pods_as_carried_it(bus_settings: BusSettings,
                                                                              kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        assert (await deployment(platform, kube, Colour.GREEN))["spec"]["replicas"] == 2
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", {"spec": {"replicas": 4}})
        await until_replicas(platform, kube, Colour.BLUE, 4)

        await app[BUS].publish(approved)
        outcome = (await events.wait("r2", S.LIVE, S.FAILED))[0]

        assert outcome.state is S.LIVE, outcome.release.error
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "green"
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["spec"]["replicas"] == 4, "switched at 2 pods where 4 carried the load"
        assert green["status"].get("availableReplicas") == 4, green["status"]
