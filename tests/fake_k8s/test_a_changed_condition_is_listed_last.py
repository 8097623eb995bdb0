"""A Deployment condition that changes moves to the end of the list; the others keep their places.

SetDeploymentCondition (kubernetes pkg/controller/deployment/util/deployment_util.go) filters the old condition of
the type out and appends the new one; one with the same status and reason is left where it is. Scaling a finished
Deployment up (the switcher's capacity step) makes Available False, then True again, while Progressing stays
NewReplicaSetAvailable (isCompleteDeployment: not estimated): Available ends up after Progressing. The fake always
listed Available first.
"""

from __future__ import annotations

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


def conditions(obj: Obj) -> dict[str, Obj]:
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


async def test_available_changed_by_a_scale_up_is_listed_after_progressing(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), 2)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
        before = conditions(await deployment(platform, kube, Colour.BLUE))
        assert await platform.scale(app, Colour.BLUE, 3, if_release="r1")

        def scaled(obj: Obj | None) -> Obj | None:
            if obj is None or obj["spec"]["replicas"] != 3:
                return None
            status = obj.get("status") or {}
            done = int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"] and \
                status.get("availableReplicas") == status.get("updatedReplicas") == status.get("replicas") == 3
            return obj if done else None

        after = await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", scaled, kube.patience)

    kinds = [c["type"] for c in after["status"]["conditions"]]
    assert kinds == ["Progressing", "Available"], after["status"]["conditions"]
    assert conditions(after)["Progressing"] == before["Progressing"]  # not estimated: the same condition, times too
    assert conditions(after)["Available"]["status"] == "True"
