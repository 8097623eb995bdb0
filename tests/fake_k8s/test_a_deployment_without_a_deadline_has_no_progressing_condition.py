"""A Deployment without a progress deadline has no Progressing condition; given one, it finds its ReplicaSet.

progressDeadlineSeconds MaxInt32 means none (HasProgressDeadline false): getNewReplicaSet sets no condition and
syncRolloutStatus removes any. A deadline set later, the template kept, has getNewReplicaSet find the existing
ReplicaSet with no condition at all: True/FoundNewReplicaSet (`Found new replica set "<name>"`), written with the
generation before, then NewReplicaSetAvailable. The fake kept a Progressing condition whatever the deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.client import MERGE_PATCH, Kind
from services.shared.kube.watch import wait_for
from services.shared.platform import Rollout
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, deployment
from tests.harness import SHA

pytestmark = pytest.mark.cluster
NONE = 2**31 - 1  # math.MaxInt32: no deadline
Obj = dict[str, Any]


def progressing(obj: Obj) -> list[Obj]:
    return [c for c in (obj.get("status") or {}).get("conditions") or [] if c["type"] == "Progressing"]


async def test_no_deadline_no_condition_and_a_deadline_finds_the_replica_set(kube: KubeTarget) -> None:
    async with kube.platform(progress_deadline=NONE) as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
        without = await deployment(platform, kube, Colour.BLUE)
        seen: list[Obj] = []
        listed = asyncio.Event()

        def record(obj: Obj | None) -> Obj | None:
            listed.set()
            if obj is None or obj["spec"]["progressDeadlineSeconds"] == NONE:
                return None
            seen.append(obj)
            observed = int((obj.get("status") or {}).get("observedGeneration", 0)) >= obj["metadata"]["generation"]
            return obj if observed and [c["reason"] for c in progressing(obj)] == ["NewReplicaSetAvailable"] else None

        watching = asyncio.create_task(
            wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience))
        await asyncio.wait_for(listed.wait(), kube.patience)
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue",
                                 {"spec": {"progressDeadlineSeconds": 600}}, MERGE_PATCH)
        try:
            await watching
        finally:
            watching.cancel()

    assert progressing(without) == [], progressing(without)
    reasons = [[c["reason"] for c in progressing(obj)] for obj in seen]
    distinct = [each for index, each in enumerate(reasons) if index == 0 or reasons[index - 1] != each]
    assert distinct == [[], ["FoundNewReplicaSet"], ["NewReplicaSetAvailable"]], distinct
    found = next(obj for obj in seen if progressing(obj) and progressing(obj)[0]["reason"] == "FoundNewReplicaSet")
    assert progressing(found)[0]["message"].startswith(f'Found new replica set "{APP}-blue-'), progressing(found)
    assert found["status"]["observedGeneration"] == found["metadata"]["generation"] - 1, found["status"]
