"""A new template's ReplicaSet is reported created before any progress, and a True condition never transitions.

getNewReplicaSet, when it creates the ReplicaSet, sets Progressing True/NewReplicaSetCreated (`Created new replica set
"<name>"`) and writes that status on its own, with the generation observed before; progress then sets
ReplicaSetUpdated, completion NewReplicaSetAvailable. SetDeploymentCondition keeps lastTransitionTime while the status
stays True, from the Deployment's first rollout on. The fake named the first condition ReplicaSetUpdated and gave each
rollout's first condition a fresh lastTransitionTime.
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
from tests.fake_k8s.scenario import APP, app_ref, deployment
from tests.harness import SHA

pytestmark = pytest.mark.cluster
Obj = dict[str, Any]


def progressing(obj: Obj) -> Obj:
    [condition] = [c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == "Progressing"]
    return condition


async def test_a_new_replica_set_is_reported_created_before_any_progress(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
        first = progressing(await deployment(platform, kube, Colour.BLUE))
        await asyncio.sleep(1.1)  # the input under test is time passing: a fresh stamp would differ from the first
        seen: list[Obj] = []  # r2's Deployment at each write, from the change on
        listed = asyncio.Event()

        def record(obj: Obj | None) -> Obj | None:
            listed.set()
            if obj is None or obj["metadata"]["annotations"].get("greenlight.dev/release-id") != "r2":
                return None
            seen.append(obj)
            status = obj.get("status") or {}
            done = int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"] and \
                progressing(obj)["reason"] == "NewReplicaSetAvailable"
            return obj if done else None

        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r2", SHA, kube.images[1]), 2)
        try:
            last = await watching
        finally:
            watching.cancel()

    reasons = [progressing(obj)["reason"] for obj in seen]
    distinct = [reason for index, reason in enumerate(reasons) if index == 0 or reasons[index - 1] != reason]
    assert distinct == ["NewReplicaSetAvailable", "NewReplicaSetCreated", "ReplicaSetUpdated",
                        "NewReplicaSetAvailable"], distinct
    created = next(obj for obj in seen if progressing(obj)["reason"] == "NewReplicaSetCreated")
    assert progressing(created)["message"].startswith(f'Created new replica set "{APP}-blue-'), progressing(created)
    assert created["status"]["observedGeneration"] == created["metadata"]["generation"] - 1, created["status"]
    assert {progressing(obj)["lastTransitionTime"] for obj in seen} == {first["lastTransitionTime"]}, \
        [progressing(obj) for obj in seen]
    assert progressing(last)["lastUpdateTime"] > first["lastUpdateTime"]
