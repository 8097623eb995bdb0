"""The fake times a rollout out as kube-controller-manager does: after `progressDeadlineSeconds` without progress.

It timed out only a rollout whose pods never become available (a bad image, a missing Secret): a good image whose pods
took longer than the deadline (a slow pull, a slow start) rolled out as if it had none, where a real cluster sets
Progressing False/ProgressDeadlineExceeded and the deployer fails the release with it. The controller counts from the
last progress (new pods, old ones gone, pods available), so a rollout of several short waves never times out however
long it takes in all; and it goes on after a timeout: the next progress sets Progressing True again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref
from tests.harness import SHA

DEADLINE = 1  # seconds, the Deployment's progressDeadlineSeconds
# A deadline counts from lastUpdateTime in whole seconds (up to one before the progress), and the controller looks again
# a second after it passed (requeueStuckDeployment) when a second or more was left: with a 3 s deadline the timeout
# comes at least 2 s after the last progress, so waves of 1.8 s never reach it, though two of them outlast it.
LONGER = 3
SETTLING = 600  # the deadline of the rollout each test starts from


async def progressing_after_a_new_image(kube: KubeTarget, wave: float, deadline: int) -> list[tuple[str, str]]:
    """Blue rolled out over two old pods (two waves of `wave` seconds each): its Progressing condition's (status,
    reason) as the controller changed it, from the change's first status on, until the rollout finished."""
    fake = kube.need_fake()
    app = app_ref(kube)
    # The first rollout under a deadline it cannot reach: under one of a second (counted from a whole second, so
    # possibly less), a busy machine timed out the very rollout the test starts from.
    async with kube.platform(progress_deadline=SETTLING) as platform:
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
    async with kube.platform(progress_deadline=deadline) as platform:
        fake.rollouts.delay = wave
        seen: list[tuple[str, str]] = []
        listed = asyncio.Event()  # the watch's list is in: it misses nothing after it

        def record(obj: dict[str, Any] | None) -> list[tuple[str, str]] | None:
            listed.set()
            status = (obj or {}).get("status") or {}
            if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != "r2" or \
                    int(status.get("observedGeneration", 0)) < obj["metadata"]["generation"]:
                return None
            [progressing] = [c for c in status.get("conditions") or [] if c["type"] == "Progressing"]
            if not seen or seen[-1] != (progressing["status"], progressing["reason"]):
                seen.append((progressing["status"], progressing["reason"]))
            return seen if progressing["reason"] == "NewReplicaSetAvailable" else None

        # Watching from before the change: its first status (the new ReplicaSet created, no pod yet) is not missed.
        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r2", SHA, kube.images[1]), 2)
        try:
            return await watching
        finally:
            watching.cancel()


async def test_pods_slower_than_the_deadline_time_the_rollout_out_and_it_goes_on(kube: KubeTarget) -> None:
    seen = await progressing_after_a_new_image(kube, wave=DEADLINE + 0.5, deadline=DEADLINE)

    # Created (no pod yet), progress (a new pod), timed out before it is available; available, an old pod gone and the
    # second new pod started are progress; timed out again; the last available is progress, the old pod gone the end.
    assert seen == [("True", "NewReplicaSetCreated"), ("True", "ReplicaSetUpdated"),
                    ("False", "ProgressDeadlineExceeded"), ("True", "ReplicaSetUpdated"),
                    ("False", "ProgressDeadlineExceeded"), ("True", "ReplicaSetUpdated"),
                    ("True", "NewReplicaSetAvailable")], seen


async def test_waves_within_the_deadline_never_time_out_however_long_in_all(kube: KubeTarget) -> None:
    seen = await progressing_after_a_new_image(kube, wave=1.8, deadline=LONGER)  # 1.2 deadlines in all

    assert seen == [("True", "NewReplicaSetCreated"), ("True", "ReplicaSetUpdated"),
                    ("True", "NewReplicaSetAvailable")], seen
