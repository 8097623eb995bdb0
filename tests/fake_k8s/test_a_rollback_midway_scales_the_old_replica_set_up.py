"""A change back to a template whose ReplicaSet still has pods counts those pods as updated at once.

The deployment controller keeps pods per ReplicaSet: a rollout midway (a bad image's one new pod beside the earlier
template's two) changed back to the earlier template makes that template's ReplicaSet the new one again, with its two
available pods: `updatedReplicas` is 2 from the first status of the change, and the pod in between is scaled away. The
fake counted pods in total, took every pod as old at a template change and rolled the earlier image out anew, through
a status of 1 updated pod, as if it had never run.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.state import rollout_done
from services.shared.kube.watch import wait_for
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref
from tests.harness import SHA

pytestmark = pytest.mark.cluster
Obj = dict[str, Any]
COUNTS = ("replicas", "updatedReplicas", "availableReplicas")


def of_release(obj: Obj | None, rid: str) -> Obj | None:
    """The Deployment's status once the controller observed the change that release `rid` wrote."""
    if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != rid:
        return None
    status = obj.get("status") or {}
    return status if int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"] else None


async def test_a_rollback_midway_counts_the_earlier_pods_as_updated(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r2", SHA, kube.bad_image), 2)
        await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue",
                       lambda obj: (of_release(obj, "r2") or {}).get("updatedReplicas"), kube.patience)
        if kube.fake:
            kube.fake.rollouts.delay = 0.5  # a wave outlasts the watch's first list: no status of the change is missed
        seen: list[tuple[int, ...]] = []

        def record(obj: Obj | None) -> Obj | None:
            if (status := of_release(obj, "r3")) is not None:
                seen.append(tuple(int(status.get(count, 0)) for count in COUNTS))
            return obj if status is not None and obj is not None and rollout_done(obj) else None

        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await platform.deploy(app, Colour.BLUE, Rollout("r3", SHA, kube.images[0]), 2)  # r1's template again
        try:
            await watching
        finally:
            watching.cancel()

    assert seen, "no status of the change back was seen"
    assert all(updated == 2 and available >= 2 for _, updated, available in seen), seen
    assert seen[-1] == (2, 2, 2), seen
