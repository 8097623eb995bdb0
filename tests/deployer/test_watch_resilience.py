"""The rollout watch survives 410 Gone, a silently dead stream and server-side watch timeouts.

Each test holds the new colour's pods back (a full quota, which the deployer waits out) until the watches it is about
have been made: a rollout timed to outlast them finished first on a busy machine, and no watch was needed at all."""

from __future__ import annotations

import asyncio

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
GREEN = "fieldSelector=metadata.name%3Ddemo-green"
HELD = 20  # seconds: the progress deadline outlasts the hold however busy the machine
QUOTA = "exceeded quota: apps, requested: pods=1, used: pods=10, limited: pods=10"


def _watches(kube: KubeTarget) -> list[str]:
    assert kube.fake is not None
    return [path for method, path, _ in kube.fake.requests if method == "GET" and "watch=" in path]


async def test_410_gone_relists_and_the_release_is_staged(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, deployer(bus_settings, kube, progress_deadline=HELD) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        lists_before = fake.count("GET", GREEN)
        fake.force_gone_on_next_watch()
        fake.rollouts.refuse_pods(QUOTA)

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await asyncio.wait_for(fake.served(2, "GET", GREEN, "watch="), kube.patience)  # answered 410, then renewed
        fake.rollouts.refuse_pods(None)
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0].release

        assert staged.standby_colour is Colour.GREEN
        assert not fake.hooks.gone_on_next_watch  # the 410 was served
        green_requests = fake.count("GET", GREEN) - lists_before
        assert green_requests >= 4  # list, watch answered 410, relist, watch


async def test_silent_stream_is_renewed_after_the_inactivity_timeout(bus_settings: BusSettings,
                                                                     kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, \
            deployer(bus_settings, kube, watch_inactivity=0.5, progress_deadline=HELD) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.bookmark_interval = 0.1  # healthy streams talk more often than the inactivity timeout
        fake.silence_next_watch()
        fake.rollouts.refuse_pods(QUOTA)

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await asyncio.wait_for(fake.served(2, "GET", GREEN, "watch="), kube.patience)  # the dead one, then renewed
        fake.rollouts.refuse_pods(None)
        await events.wait("r2", S.AWAITING_APPROVAL)

        assert not fake.hooks.silence_next_watch
        green_watches = [p for p in _watches(kube) if "demo-green" in p]
        assert len(green_watches) >= 2  # the dead one, then one renewed from its resourceVersion
        assert "resourceVersion=" in green_watches[1]


async def test_server_side_watch_timeout_is_renewed(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, deployer(bus_settings, kube, watch_timeout=1,
                                                      progress_deadline=HELD) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.refuse_pods(QUOTA)

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await asyncio.wait_for(fake.served(2, "GET", GREEN, "watch="), kube.patience)  # the first one timed out
        fake.rollouts.refuse_pods(None)
        await events.wait("r2", S.AWAITING_APPROVAL)

        green_watches = [p for p in _watches(kube) if "demo-green" in p]
        assert len(green_watches) >= 2
        assert all("timeoutSeconds=1" in p and "allowwatchbookmarks=true" in p.lower() for p in green_watches)
