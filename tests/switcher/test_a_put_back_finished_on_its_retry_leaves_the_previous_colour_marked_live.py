"""A put-back whose flip went through and whose next call met the cluster API away leaves the previous colour marked
`live` once its retry has finished, not held.

The put-back holds the colour it flips back to (marked awaiting approval for the previous release) from just before
its flip until the flip's follow-up marks it `live`. With the cluster away between the two, its retry found the
traffic put back already and did the rest (the failed colour freed, the previous release live in the log), but never
that mark: the colour serving users stayed marked awaiting approval for the previous release until the app's next
switch, as the cluster, the dashboard and `kubectl` showed it.
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
STATE = "greenlight.dev/state"


async def test_the_previous_colour_is_marked_live_after_the_put_backs_retry(bus_settings: BusSettings,
                                                                            kube: KubeTarget) -> None:
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=2)})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, away_after=(1, 2))  # away after the switch's flip, and after the put-back's
        async with switcher(bus, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            await events.wait("r2", S.FAILED)  # the switch gave up after GREENLIGHT_RETRY_BUDGET; r2 serves
            await logged(app, event("r1", S.SUPERSEDED, kube, image=kube.images[0], standby_colour=Colour.BLUE))
            cluster.away = False
            await cluster.until(lambda calls: len(cluster.switches) == 2 and calls[-1].refused, 30)
            held = (await deployment(inner, kube, Colour.BLUE))["metadata"]["annotations"][STATE]

            cluster.away = False
            await events.wait("r1", S.LIVE, count=2)  # the put-back's last step: its retry has finished
            blue = await deployment(inner, kube, Colour.BLUE)
            live = (await service(inner, kube))["spec"]["selector"]["role"]
    assert held == "awaiting-approval"  # the flip landed, its follow-up did not
    assert live == "blue"
    assert blue["metadata"]["annotations"][STATE] == "live", blue["metadata"]["annotations"]
