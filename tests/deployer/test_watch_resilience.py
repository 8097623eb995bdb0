"""The rollout watch survives 410 Gone, a silently dead stream and server-side watch timeouts."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import event, make_live

pytestmark = pytest.mark.cluster

WATCH = "deployments?"


def _watches(kube: KubeTarget) -> list[str]:
    assert kube.fake is not None
    return [path for method, path, _ in kube.fake.requests if method == "GET" and "watch=" in path]


async def test_410_gone_relists_and_the_release_is_staged(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 0.5  # the first list must see the rollout unfinished, so a watch is needed
        lists_before = fake.count("GET", "fieldSelector=metadata.name%3Ddemo-green")
        fake.force_gone_on_next_watch()

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0].release

        assert staged.standby_colour is Colour.GREEN
        assert not fake.hooks.gone_on_next_watch  # the 410 was served
        green_requests = fake.count("GET", "fieldSelector=metadata.name%3Ddemo-green") - lists_before
        assert green_requests >= 4  # list, watch answered 410, relist, watch


async def test_silent_stream_is_renewed_after_the_inactivity_timeout(bus_settings: BusSettings,
                                                                     kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, \
            deployer(bus_settings, kube, watch_inactivity=0.5) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 0.2
        fake.bookmark_interval = 0.1  # healthy streams talk more often than the inactivity timeout
        fake.silence_next_watch()

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await events.wait("r2", S.AWAITING_APPROVAL)

        assert not fake.hooks.silence_next_watch
        green_watches = [p for p in _watches(kube) if "demo-green" in p]
        assert len(green_watches) >= 2  # the dead one, then one renewed from its resourceVersion
        assert "resourceVersion=" in green_watches[1]


async def test_server_side_watch_timeout_is_renewed(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, deployer(bus_settings, kube, watch_timeout=1) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 1.5  # outlasts one watch request

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await events.wait("r2", S.AWAITING_APPROVAL)

        green_watches = [p for p in _watches(kube) if "demo-green" in p]
        assert len(green_watches) >= 2
        assert all("timeoutSeconds=1" in p and "allowwatchbookmarks=true" in p.lower() for p in green_watches)
