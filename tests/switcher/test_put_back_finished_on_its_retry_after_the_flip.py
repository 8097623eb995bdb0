"""A put-back whose flip went through and whose rest met the cluster API away finishes on its retry: the failed
colour freed, the previous release made live again in the log if its switch had marked it superseded. The retry
finds the live Service on the previous colour already, which is also what it finds for a release that never served,
and used to stop there: the failed colour stayed up, unreleased, and the previous release superseded while serving.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, service
from tests.switcher.running import ApiAway, live_and_staged, logged, switcher

pytestmark = pytest.mark.cluster


async def test_the_rest_of_a_put_back_is_done_on_its_retry(bus_settings: BusSettings, kube: KubeTarget) -> None:
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=2)})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, away_after=(1, 2))  # away after the switch's flip, and after the put-back's
        async with switcher(bus, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            await events.wait("r2", S.FAILED)  # the switch gave up after GREENLIGHT_RETRY_BUDGET; r2 serves
            # As if the switch had got as far as marking r1 superseded before it failed.
            await logged(app, event("r1", S.SUPERSEDED, kube, image=kube.images[0], standby_colour=Colour.BLUE))
            cluster.away = False
            await cluster.until(lambda calls: len(cluster.switches) == 2 and calls[-1].refused, 30)
            assert (await service(inner, kube))["spec"]["selector"]["role"] == "blue"  # put back, the rest not

            cluster.away = False
            try:
                await cluster.until(lambda calls: any(
                    c.name == "scale" and not c.refused and c.args[1] is Colour.GREEN for c in calls), 30)
                restored = (await events.wait("r1", S.LIVE, count=2))[1]
            except TimeoutError:
                pytest.fail("the put-back's retry did not finish what its flip started")
            green = await deployment(inner, kube, Colour.GREEN)
    assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
    assert green["spec"]["replicas"] == 0
    assert restored.seq == 12 and restored.details["restored_after_failure_of"] == "r2"
    assert cluster.switches[1][:2] == (Colour.GREEN, Colour.BLUE) and len(cluster.switches) == 2
