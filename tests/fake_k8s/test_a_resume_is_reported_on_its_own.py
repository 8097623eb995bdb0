"""Resuming a paused Deployment with a new template reports DeploymentResumed, on its own, and no NewReplicaSetCreated.

syncDeployment runs checkPausedConditions first: Progressing Unknown/DeploymentResumed, written alone, before the
change is observed. getNewReplicaSet then creates the ReplicaSet in the same sync, and its status write with
NewReplicaSetCreated carries the resourceVersion the sync read before that first write: a conflict. The next sync
finds the ReplicaSet and a Progressing condition, and sets none: the resumed rollout goes DeploymentResumed, then
progress. Greenlight's deploy resumes a paused colour in the write that changes its template. The fake wrote
NewReplicaSetCreated over the pause and never DeploymentResumed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref
from tests.harness import SHA

pytestmark = pytest.mark.cluster
Obj = dict[str, Any]


def progressing(obj: Obj) -> Obj | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == "Progressing"), None)


def observed(obj: Obj) -> bool:
    return int((obj.get("status") or {}).get("observedGeneration", 0)) >= obj["metadata"]["generation"]


async def test_a_resume_with_a_new_template_reports_the_resume_and_no_created_replica_set(kube: KubeTarget) -> None:
    name = f"{APP}-blue"
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r0", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r0", kube.patience)
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, name,
                                 [{"op": "add", "path": "/spec/paused", "value": True}])

        def paused(obj: Obj | None) -> Obj | None:
            reason = (progressing(obj) or {}).get("reason") if obj is not None else None
            return obj if obj is not None and observed(obj) and reason == "DeploymentPaused" else None

        await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, name, paused, kube.patience)
        seen: list[Obj] = []  # r1's Deployment at each write, from the resume on
        listed = asyncio.Event()

        def record(obj: Obj | None) -> Obj | None:
            listed.set()
            if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != "r1":
                return None
            seen.append(obj)
            return obj if observed(obj) and (progressing(obj) or {}).get("reason") == "NewReplicaSetAvailable" \
                else None

        watching = asyncio.create_task(wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, name, record,
                                                kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[1]), 2)  # resumes it too
        try:
            await watching
        finally:
            watching.cancel()

    reasons = [(progressing(obj) or {}).get("reason") for obj in seen]
    distinct = [reason for index, reason in enumerate(reasons) if index == 0 or reasons[index - 1] != reason]
    assert distinct[:2] == ["DeploymentPaused", "DeploymentResumed"], distinct
    assert "NewReplicaSetCreated" not in distinct, distinct
    resumed = next(obj for obj in seen if (progressing(obj) or {}).get("reason") == "DeploymentResumed")
    assert progressing(resumed)["status"] == "Unknown"  # type: ignore[index]
    assert not observed(resumed), resumed["status"]  # written before the change is observed
