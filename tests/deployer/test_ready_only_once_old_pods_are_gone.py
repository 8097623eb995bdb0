"""A colour is ready only when its Deployment runs the desired replicas of the new template and nothing else.

Midway through a rolling update over a warm colour the status can read `updatedReplicas` = `availableReplicas` =
desired while one new pod is still unavailable and one old pod serves in its place (`replicas` is one more): the
available count is of every ReplicaSet. `kubectl rollout status` waits there ("1 old replicas are pending
termination"), and so does `wait_ready`: the preview must never point at the old release's pods.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.platform import ColourStatus, Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment, stage
from tests.harness import SHA

pytestmark = pytest.mark.cluster
WAVE = 1.0  # seconds each wave of the fake's new pods takes to become available


def counts(obj: dict[str, Any]) -> tuple[int, int, int]:
    status = obj.get("status") or {}
    return tuple(int(status.get(k, 0)) for k in ("replicas", "updatedReplicas", "availableReplicas"))  # type: ignore[return-value]


async def test_ready_waits_for_the_old_templates_pods_to_go(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await stage(platform, kube, Colour.BLUE, "r0", kube.images[0], ColourStatus.RETIRED)
        if kube.fake:
            kube.fake.rollouts.delay = WAVE
        seen: list[tuple[int, int, int]] = []

        def record(obj: dict[str, Any] | None) -> None:
            if obj is not None and obj["metadata"]["annotations"].get("greenlight.dev/release-id") == "r1" and \
                    int((obj.get("status") or {}).get("observedGeneration", 0)) >= obj["metadata"]["generation"]:
                seen.append(counts(obj))
            return None

        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        try:
            await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[1]), 2)
            ready = await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
            at_ready = counts(await deployment(platform, kube, Colour.BLUE))
        finally:
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)

    assert ready.ready and ready.image == kube.images[1]
    assert at_ready == (2, 2, 2), at_ready  # no old pod left when it was declared ready
    if kube.fake:  # the fake goes through the state that looks finished but for the old pod still counted
        assert (3, 2, 2) in seen, seen
