"""Replicas changed midway through a rollout scale every ReplicaSet with pods in proportion to its size.

A change of `spec.replicas` alone is a scaling event (isScalingEvent: the ReplicaSets' desired-replicas annotation
differs): `scale` spreads the difference between the new allowed size (replicas + maxSurge, rounded up) and the sizes
now over the active ReplicaSets, largest first (the newer of equals when scaling up), each its size times the new
allowed size over the one its max-replicas annotation recorded, rounded half away from zero, within what is left to
spread; what is left after all goes to the first. Stuck midway (a bad image's new pods beside the old ones, Greenlight's
maxSurge 25 %, maxUnavailable 0):
- 4 old + 1 new, to 8 replicas: allowed 10 of 5, each doubled: 8 + 2;
- 1 old + 1 new, to 4: allowed 5 of 2, 2.5 each rounded to 3: the new one first gets 3, the old one what is left, 2;
- 5 old + 2 new, to 4: allowed 5 of 7: 3.57 and 1.43 rounded, 4 + 1.
Each is where the rollout then stays (no room to surge, nothing available to scale down). The fake only rolled on: the
new ReplicaSet took all the room to surge (6, 4 pods of the bad image), or the old one alone was scaled down (4 + 2).
"""

from __future__ import annotations

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


@pytest.mark.parametrize(("before", "after", "old", "new"), [(4, 8, 8, 2), (1, 4, 2, 3), (5, 4, 4, 1)])
async def test_replicas_changed_midway_scale_old_and_new_in_proportion(
        kube: KubeTarget, before: int, after: int, old: int, new: int) -> None:
    async with kube.platform() as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r1", SHA, kube.images[0]), before)
        await platform.wait_ready(app, Colour.BLUE, "r1", kube.patience)
        await platform.deploy(app, Colour.BLUE, Rollout("r2", SHA, kube.bad_image), before)

        def pods(obj: Obj | None) -> tuple[int, int, int] | None:
            """(pods, of them the new template's, available) once the controller observed the last change and the
            ReplicaSets' pods are all there: one of the bad image's more than before, or old + new."""
            status = (obj or {}).get("status") or {}
            total = before + -(-before // 4) if obj and obj["spec"]["replicas"] == before else old + new
            if obj is None or int(status.get("observedGeneration", 0)) < obj["metadata"]["generation"] or \
                    int(status.get("replicas", 0)) != total:
                return None
            return total, int(status.get("updatedReplicas", 0)), int(status.get("availableReplicas", 0))

        stuck = await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", pods, kube.patience)
        await platform.scale(app, Colour.BLUE, after)
        scaled = await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", pods, kube.patience)

    assert stuck[1] == -(-before // 4), stuck  # maxSurge 25 % of `before`, rounded up
    assert scaled[:2] == (old + new, new), scaled
