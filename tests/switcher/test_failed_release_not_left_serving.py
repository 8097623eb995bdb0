"""A release that failed while its colour serves live traffic does not keep it: the switcher puts the previous
release back. Here the cluster API goes away just after the switch's flip, for longer than the retry budget: the
switch is given up and its release published `failed` while the live Service still selected its colour; the log
said the previous release was live, and nothing moved traffic back (the deployer never touches a live colour).
Once the API answers, the failed release's colour is freed as any failed release's is.
"""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import ApiAway, live_and_staged, put_back_seen, switcher

pytestmark = pytest.mark.cluster



async def test_the_previous_release_takes_the_traffic_back(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as inner:
        cluster = ApiAway(inner, after_flip=True)
        async with switcher(bus_settings, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            [failed] = await events.wait("r2", S.FAILED)  # past the tests' retry budget of 4 s
            assert failed.release.error is not None and "switcher gave up" in failed.release.error.reason
            assert (await service(inner, kube))["spec"]["selector"]["role"] == "green"  # r2 serves, failed

            svc, blue, green = await put_back_seen(inner, kube, cluster)
    assert svc["spec"]["selector"]["role"] == "blue"
    assert blue["metadata"]["annotations"]["greenlight.dev/release-id"] == "r1"
    assert blue["metadata"]["annotations"]["greenlight.dev/state"] == "live"
    assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
    assert events.of("r1")[-1][0] is S.LIVE  # never superseded: the switch gave up before that
