"""A live Service changed behind Greenlight's back is never overwritten: the release fails instead."""

from __future__ import annotations

import pytest
from kubernetes_asyncio import client

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, service
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


async def test_switch_refuses_when_live_is_not_what_was_staged(bus_settings: BusSettings,
                                                               kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        approved = await live_and_staged(platform, kube, app)
        # Someone points live at the standby by hand, through the API like any other client.
        core = client.CoreV1Api(platform.api.api_client)
        await core.patch_namespaced_service(f"{APP}-service", kube.namespace,
                                            {"spec": {"selector": {"role": "green"}}})
        before = await service(platform, kube)

        await app[BUS].publish(approved)
        failed = (await events.wait("r2", S.FAILED))[0].release

        assert failed.error is not None and failed.error.step == "switch"
        assert failed.error.reason == ("live colour is green, expected blue: "
                                       "it changed behind Greenlight's back")
        after = await service(platform, kube)
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        assert [s for s, _ in events.of("r2")] == [S.APPROVED, S.SWITCHING, S.FAILED]
        assert events.of("r1") == [(S.LIVE, 10)]  # not superseded
