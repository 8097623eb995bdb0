"""The put-back of a failed release that serves live traffic is retried when the cluster API goes away in the
middle of it, as at its start: the flip back meeting the API away (a transient PlatformError) used to be caught
with the refusals and logged as "could not put the previous release back", the message acked, and the failed
release left serving for good. A genuine refusal (the previous colour no longer runs the previous release) is still
an error and not retried: tests/switcher/test_failed_release_not_left_serving.py covers the put-back itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import ApiAway, live_and_staged, put_back_seen, switcher

pytestmark = pytest.mark.cluster


async def test_a_flip_back_that_meets_the_cluster_away_is_retried(bus_settings: BusSettings,
                                                                   kube: KubeTarget) -> None:
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=2)})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, after_flip=True)
        async with switcher(bus, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            await events.wait("r2", S.FAILED)  # the switch gave up after GREENLIGHT_RETRY_BUDGET; r2 serves
            cluster.away_at.add("switch")  # back, until the put-back moves the live Service
            cluster.away = False
            await cluster.until(lambda calls: any(c.name == "switch" and c.refused for c in calls), 30)
            assert (await service(inner, kube))["spec"]["selector"]["role"] == "green"

            svc, blue, green = await put_back_seen(
                inner, kube, cluster, "the put-back was not tried again after its flip back met the cluster away")
    assert svc["spec"]["selector"]["role"] == "blue"
    assert blue["metadata"]["annotations"]["greenlight.dev/release-id"] == "r1"
    assert blue["metadata"]["annotations"]["greenlight.dev/state"] == "live"
    assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
