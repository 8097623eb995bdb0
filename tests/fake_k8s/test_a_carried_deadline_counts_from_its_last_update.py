"""A Progressing condition a change carries over keeps its own deadline: lastUpdateTime + progressDeadlineSeconds.

A change that creates no ReplicaSet (an old one reused, the template kept) sets no Progressing condition: the one the
Deployment shows stays, and the controller's DeploymentTimedOut compares now with ITS lastUpdateTime plus the
Deployment's (new) deadline. A rollout stuck for longer than the new deadline already times out at the change's first
sync. The fake counted a carried True condition's deadline from the change (and gave a kept template a fresh
condition), so such a rollout showed a stale True condition first, then timed out a whole deadline later.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.platform import KubePlatform
from services.shared.kube.watch import wait_for
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref
from tests.harness import SHA

pytestmark = pytest.mark.cluster
DEADLINE = 1  # seconds: the new deadline, shorter than the stuck rollout has gone without progress
# What the stuck rollout's condition ages before the change: past DEADLINE (a lastUpdateTime truncated to the second
# only makes it older), well within the fake's own deadline (FAKE_PROGRESS_DEADLINE, 4 s), so that it is still True.
AGE = DEADLINE + 0.5
Obj = dict[str, Any]


def progressing(status: Obj) -> tuple[str, str]:
    [condition] = [c for c in status.get("conditions") or [] if c["type"] == "Progressing"]
    return condition["status"], condition["reason"]


def of_release(obj: Obj | None, rid: str) -> Obj | None:
    if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != rid:
        return None
    status = obj.get("status") or {}
    return status if int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"] else None


async def stuck_midway(platform: KubePlatform, kube: KubeTarget, rid: str) -> None:
    """`rid`'s bad image rolled out on blue under the default deadline, its one new pod never available, aged AGE."""
    await platform.deploy(app_ref(kube), Colour.BLUE, Rollout(rid, SHA, kube.bad_image), 2)
    status = await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue",
                            lambda obj: s if (s := of_release(obj, rid)) and s.get("updatedReplicas") else None,
                            kube.patience)
    assert progressing(status) == ("True", "ReplicaSetUpdated"), status
    await asyncio.sleep(AGE)  # the input under test is time passing without progress: nothing to await but the clock


async def after_change(platform: KubePlatform, kube: KubeTarget, rid: str, image: str) -> list[tuple[str, str]]:
    """The Progressing (status, reason) of each status of `rid`'s change under the short deadline, in order, until
    the rollout finished or timed out without anything more to come."""
    seen: list[tuple[str, str]] = []
    listed = asyncio.Event()  # the watch's list is in: it misses nothing after it

    def record(obj: Obj | None) -> list[tuple[str, str]] | None:
        listed.set()
        if (status := of_release(obj, rid)) is not None and (not seen or seen[-1] != progressing(status)):
            seen.append(progressing(status))
        return seen if seen and (seen[-1][1] == "NewReplicaSetAvailable" or image == kube.bad_image) else None

    async with kube.platform(progress_deadline=DEADLINE) as hasty:
        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await hasty.deploy(app_ref(kube), Colour.BLUE, Rollout(rid, SHA, image), 2)
        try:
            return await watching
        finally:
            watching.cancel()


async def test_a_reused_replica_set_times_out_at_once_past_the_carried_deadline(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        for rid, image in (("r0", kube.images[0]), ("r1", kube.images[1])):  # r0's ReplicaSet kept, scaled to zero
            await platform.deploy(app, Colour.BLUE, Rollout(rid, SHA, image), 2)
            await platform.wait_ready(app, Colour.BLUE, rid, kube.patience)
        await stuck_midway(platform, kube, "r2")
        seen = await after_change(platform, kube, "r3", kube.images[0])  # r0's template again

    # Timed out at the first sync, then the reused ReplicaSet's pods are progress and it completes. A 1 s deadline
    # counted from a whole second may pass again between two of its syncs (up to a second early): a timeout between
    # them is the controller's too.
    assert seen[:2] == [("False", "ProgressDeadlineExceeded"), ("True", "ReplicaSetUpdated")], seen
    assert seen[-1] == ("True", "NewReplicaSetAvailable"), seen
    assert set(seen[2:-1]) <= {("False", "ProgressDeadlineExceeded"), ("True", "ReplicaSetUpdated")}, seen


async def test_a_kept_template_times_out_at_once_past_the_carried_deadline(kube: KubeTarget) -> None:
    """Only the deadline changes (the same image: the same template), and no pod is added: the timeout is at once."""
    async with kube.platform() as platform:
        await platform.ensure_app(app_ref(kube))
        await stuck_midway(platform, kube, "r0")
        seen = await after_change(platform, kube, "r1", kube.bad_image)

    assert seen == [("False", "ProgressDeadlineExceeded")], seen
