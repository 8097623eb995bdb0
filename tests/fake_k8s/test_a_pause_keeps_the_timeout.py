"""Pausing a Deployment whose rollout timed out keeps the timeout: the controller writes no DeploymentPaused over it.

checkPausedConditions leaves a ProgressDeadlineExceeded condition as it is ("if we have reported lack of progress, do
not overwrite it with a paused condition"); the fake replaced it with Progressing Unknown/DeploymentPaused, so a reader
of a paused, failed standby saw no failure on the fake that a real cluster shows.
"""

from __future__ import annotations

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


async def test_a_paused_rollout_keeps_its_timeout(kube: KubeTarget) -> None:
    async with kube.platform(progress_deadline=DEADLINE) as platform:
        app = app_ref(kube)
        await platform.ensure_app(app)
        await platform.deploy(app, Colour.BLUE, Rollout("r0", SHA, kube.bad_image), 2)
        with pytest.raises(NotReady, match="ProgressDeadlineExceeded"):
            await platform.wait_ready(app, Colour.BLUE, "r0", kube.patience)
        stale = progressing(await deployment(platform, kube, Colour.BLUE))
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue",
                                 [{"op": "add", "path": "/spec/paused", "value": True}])

        def observed(obj: Obj | None) -> Obj | None:
            status = (obj or {}).get("status") or {}
            paused = obj is not None and obj["spec"].get("paused")
            return obj if paused and int(status.get("observedGeneration", 0)) >= obj["metadata"]["generation"] else None

        paused = await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", observed, kube.patience)

    assert stale["reason"] == "ProgressDeadlineExceeded"
    assert progressing(paused) == stale, (progressing(paused), stale)
