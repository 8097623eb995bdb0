"""Each sync of a rollout scales one step and writes its own status, with the pods as they are at that sync.

rolloutRolling scales the new ReplicaSet up or the old ones down, never both, and writes the status (syncRolloutStatus)
before the ReplicaSet controller created or deleted the pods; its status update starts the next sync. A watcher sees
every step: over two old pods (maxSurge 25 %: 1, maxUnavailable 0) the new ReplicaSet created with no pod yet, one new
pod, it available beside both old ones (the sync that scales one old pod down counts it still), the old pod gone, the
second new pod, it available, the last old pod gone. The fake wrote one status a wave: the new pod available, the old
one gone and the next new one started all at once, and never a status with more pods available than desired.
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
# (pods, new ones, available) at each step: created, one new pod, available, one old gone, the second new pod,
# available, the last old one gone.
STEPS = [(2, 0, 2), (3, 1, 2), (3, 1, 3), (2, 1, 2), (3, 2, 2), (3, 2, 3), (2, 2, 2)]


async def test_each_step_of_a_rollout_is_a_status_of_its_own(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
        seen: list[tuple[int, ...]] = []
        listed = asyncio.Event()

        def record(obj: Obj | None) -> Obj | None:
            listed.set()
            status = (obj or {}).get("status") or {}
            if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != "r2" or \
                    int(status.get("observedGeneration", 0)) < obj["metadata"]["generation"]:
                return None
            counts = tuple(int(status.get(count, 0)) for count in COUNTS)
            if not seen or seen[-1] != counts:
                seen.append(counts)
            return obj if rollout_done(obj) else None

        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r2", SHA, kube.images[1]), 2)
        try:
            await watching
        finally:
            watching.cancel()

    # A real ReplicaSet controller may have the first new pod before the controller's first status of the change.
    assert seen in (STEPS, STEPS[1:]), seen
