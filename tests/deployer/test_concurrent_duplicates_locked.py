"""Two deliveries of one `pushed` at once: the second waits for the first, then finds its effect done."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import event

pytestmark = pytest.mark.cluster


async def test_concurrent_duplicates_write_to_the_cluster_as_one(bus_settings: BusSettings,
                                                                kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with deployer(bus_settings, kube) as (app, events):
        pushed = event("r1", S.PUSHED, kube, image=kube.images[0])
        await app[BUS].publish(pushed)
        await app[BUS].publish(pushed)
        assert {e.message_id for e in await events.wait("r1", S.AWAITING_APPROVAL, count=2)} == {"r1/7"}
    # One deploy's writes: the two Services and the Deployment created, preview pointed, colour marked.
    assert (fake.count("POST", "/services"), fake.count("POST", "/deployments")) == (2, 1)
    assert (fake.count("PATCH", "/demo-preview"), fake.count("PATCH", "/demo-blue")) == (1, 1)
