"""A change back to a template whose old ReplicaSet is kept shows the previous rollout's timeout until it progresses.

The deployment controller sets a Progressing condition when it creates a ReplicaSet, not when it reuses one (a
template of `revisionHistoryLimit` earlier, scaled to zero): the first status of the new generation keeps the
condition the earlier rollout left, ProgressDeadlineExceeded with its old times included, and only the reused
ReplicaSet's first pods turn it True; a change that keeps the template keeps a timeout too, until the next progress.
The fake started every change's rollout with a fresh True condition, so a reader that took such a stale timeout for
the new rollout's own could not be caught here.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.platform import NotReady, Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment
from tests.harness import SHA

pytestmark = pytest.mark.cluster
DEADLINE = 1  # seconds, the Deployment's progressDeadlineSeconds: the bad image times out soon
Obj = dict[str, Any]


def progressing(obj: Obj) -> Obj:
    [condition] = [c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == "Progressing"]
    return condition


async def test_the_first_status_of_a_reused_template_keeps_the_earlier_timeout(kube: KubeTarget) -> None:
    async with kube.platform() as platform, kube.platform(progress_deadline=DEADLINE) as hasty:
        app = app_ref(kube)
        await platform.ensure_app(app)
        for rid, image in (("r0", kube.images[0]), ("r1", kube.images[1])):  # r0's ReplicaSet kept, scaled to zero
            await platform.deploy(app, Colour.BLUE, Rollout(rid, SHA, image), 2)
            await platform.wait_ready(app, Colour.BLUE, rid, kube.patience)
        await hasty.deploy(app, Colour.BLUE, Rollout("r2", SHA, kube.bad_image), 2)
        with pytest.raises(NotReady, match="ProgressDeadlineExceeded"):
            await hasty.wait_ready(app, Colour.BLUE, "r2", kube.patience)
        stale = progressing(await deployment(platform, kube, Colour.BLUE))
        if kube.fake:
            kube.fake.rollouts.delay = 0.5 * DEADLINE
        seen: list[Obj] = []
        listed = asyncio.Event()  # the watch's list is in: it misses nothing after it

        def record(obj: Obj | None) -> list[Obj] | None:
            listed.set()
            if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != "r3" or \
                    int((obj.get("status") or {}).get("observedGeneration", 0)) < obj["metadata"]["generation"]:
                return None
            if not seen or (seen[-1]["status"], seen[-1]["reason"]) != (progressing(obj)["status"],
                                                                         progressing(obj)["reason"]):
                seen.append(progressing(obj))
            return seen if seen[-1]["reason"] == "NewReplicaSetAvailable" else None

        # Watching from before the change: the stale status lasts only until the reused ReplicaSet's pods are created.
        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r3", SHA, kube.images[0]), 2)  # r0's template again
        try:
            await watching
        finally:
            watching.cancel()

    assert stale["reason"] == "ProgressDeadlineExceeded"
    assert seen[0] == stale, seen  # the earlier rollout's condition, times and message included
    assert [(c["status"], c["reason"]) for c in seen[1:]] == [("True", "ReplicaSetUpdated"),
                                                             ("True", "NewReplicaSetAvailable")], seen


async def test_a_change_that_keeps_the_template_keeps_the_timeout(kube: KubeTarget) -> None:
    """Another deadline (a new generation, the same template, no pod to add) is no progress: the timeout stays."""
    async with kube.platform(progress_deadline=DEADLINE) as hasty, \
            kube.platform(progress_deadline=DEADLINE + 1) as patient:
        app = app_ref(kube)
        await hasty.ensure_app(app)
        await hasty.deploy(app, Colour.BLUE, Rollout("r0", SHA, kube.bad_image), 2)
        with pytest.raises(NotReady, match="ProgressDeadlineExceeded"):
            await hasty.wait_ready(app, Colour.BLUE, "r0", kube.patience)
        stale = progressing(await deployment(hasty, kube, Colour.BLUE))
        await patient.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.bad_image), 2)

        def observed(obj: Obj | None) -> Obj | None:
            status = (obj or {}).get("status") or {}
            if obj is None or obj["spec"]["progressDeadlineSeconds"] != DEADLINE + 1:
                return None
            return obj if int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"] else None

        first = await wait_for(hasty.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", observed, kube.patience)

    assert progressing(first) == stale, (progressing(first), stale)
