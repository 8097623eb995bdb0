"""A put-back whose flip landed and which was then given up (the cluster away past its budget) is finished once the
cluster is back: the colour it flipped to marked `live`, the failed colour freed, the previous release live again in
the log.

Its give-up published nothing, so nothing came back to it: the failed release's colour stayed up and marked `live`
(no scale-down timer is set for it), the previous colour stayed held (awaiting approval) while serving, and the log
kept the previous release superseded while users were served by it. The marker its give-up now leaves (given_up.py)
is retried for GREENLIGHT_SWITCHER_HOLD_RELEASE_BUDGET, and does what the put-back had left, never a flip.
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
from tests.harness import dead_letters
from tests.switcher.running import ApiAway, live_and_staged, logged, switcher

pytestmark = pytest.mark.cluster
STATE = "greenlight.dev/state"


async def test_a_put_back_given_up_after_its_flip_is_finished(bus_settings: BusSettings, kube: KubeTarget) -> None:
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=2)})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, away_after=(1, 2))  # away after the switch's flip, and after the put-back's
        async with switcher(bus, kube, platform=cluster,  # type: ignore[arg-type]
                            put_back_budget=timedelta(seconds=3)) as (app, events):
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            await events.wait("r2", S.FAILED)  # the switch gave up after GREENLIGHT_RETRY_BUDGET; r2 serves
            await logged(app, event("r1", S.SUPERSEDED, kube, image=kube.images[0], standby_colour=Colour.BLUE))
            cluster.away = False
            await dead_letters(bus, 2, timeout=30)  # the switch's, then the put-back's: its budget spent
            assert len(cluster.switches) == 2, cluster.switches  # the put-back did flip

            cluster.away = False
            try:
                restored = (await events.wait("r1", S.LIVE, count=2))[1]
            except TimeoutError:
                pytest.fail("nothing finished the put-back given up after its flip")
            await cluster.until(lambda calls: any(
                c.name == "scale" and not c.refused and c.args[1] is Colour.GREEN for c in calls), 30)
            blue, green = await deployment(inner, kube, Colour.BLUE), await deployment(inner, kube, Colour.GREEN)
            live = (await service(inner, kube))["spec"]["selector"]["role"]
    assert restored.details["restored_after_failure_of"] == "r2"
    assert live == "blue" and len(cluster.switches) == 2  # no flip since
    assert blue["metadata"]["annotations"][STATE] == "live"
    assert green["metadata"]["annotations"][STATE] == "released" and green["spec"]["replicas"] == 0
