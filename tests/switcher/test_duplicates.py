"""Redelivered `approved` and `rolling_back` events re-emit the same events and patch nothing."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


async def test_duplicate_approved_reemits_live_without_a_second_patch(bus_settings: BusSettings,
                                                                      kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        await app[BUS].publish(approved)
        first = (await events.wait("r2", S.LIVE))[0]
        await events.wait("r1", S.SUPERSEDED)
        before = await service(platform, kube)
        patches = kube.fake.count("PATCH", "/services/") if kube.fake else 0

        await app[BUS].publish(approved)
        lives = await events.wait("r2", S.LIVE, count=2)
        superseded = await events.wait("r1", S.SUPERSEDED, count=2)

        assert lives[1].message_id == first.message_id == "r2/10"
        assert {e.message_id for e in superseded} == {"r1/11"}
        assert (await service(platform, kube))["metadata"]["resourceVersion"] == \
            before["metadata"]["resourceVersion"]
        if kube.fake:
            assert kube.fake.count("PATCH", "/services/") == patches


async def test_duplicate_rolling_back_reemits_without_a_second_flip(bus_settings: BusSettings,
                                                                    kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        await app[BUS].publish(await live_and_staged(platform, kube, app))
        rolling = (await events.wait("r2", S.LIVE))[0].next(S.ROLLING_BACK, actor="ann")
        await app[BUS].publish(rolling)
        await events.wait("r1", S.LIVE, count=2)  # as logged at set-up, then restored
        before = await service(platform, kube)

        await app[BUS].publish(rolling)
        rolled = await events.wait("r2", S.ROLLED_BACK, count=2)
        restored = await events.wait("r1", S.LIVE, count=3)  # the original, the restore, its repeat

        assert {e.message_id for e in rolled} == {"r2/12"}
        assert [e.message_id for e in restored] == ["r1/10", "r1/12", "r1/12"]
        assert (await service(platform, kube))["metadata"]["resourceVersion"] == \
            before["metadata"]["resourceVersion"]
