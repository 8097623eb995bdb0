"""409 on the Service patch: re-read and decide again; switch if live is still as staged, else fail."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster

SERVICE_PATH = "/services/demo-service"


async def test_conflict_from_an_unrelated_write_is_retried(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        fake.before_next_service_patch()  # someone annotates the Service just before our patch lands
        patches = fake.count("PATCH", SERVICE_PATH)

        await app[BUS].publish(approved)
        await events.wait("r2", S.LIVE)

        assert fake.count("PATCH", SERVICE_PATH) - patches == 2  # 409, then the re-decided patch
        svc = await service(platform, kube)
        assert svc["spec"]["selector"]["role"] == "green"
        assert svc["metadata"]["annotations"]["someone/else"] == "touched"  # their write survives


async def test_conflict_from_a_concurrent_switch_fails_the_release(bus_settings: BusSettings,
                                                                   kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        fake.before_next_service_patch(lambda svc: svc["spec"]["selector"].update(role="none"))

        await app[BUS].publish(approved)
        failed = (await events.wait("r2", S.FAILED))[0].release

        assert failed.error is not None and "live colour is none, expected blue" in failed.error.reason
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "none"
