"""A stuck rollout times out a second after lastUpdateTime + progressDeadlineSeconds, counted in whole seconds.

DeploymentTimedOut compares now with the Progressing condition's lastUpdateTime as the API server keeps it (whole
seconds) plus the deadline; the sync after the last progress (requeueStuckDeployment) queues the Deployment for then
plus one second, "to avoid milliseconds skew". So the ProgressDeadlineExceeded condition's lastUpdateTime is the last
progress's plus the deadline plus one, exactly. The fake counted the deadline from the instant of its own last
progress and timed out then: a second early, its stamp the last progress's plus the deadline.
"""

from __future__ import annotations

from datetime import datetime
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
DEADLINE = 3  # seconds: more than one second is left after the last progress, so the requeue adds its second
Obj = dict[str, Any]


def stamp(condition: Obj) -> datetime:
    return datetime.strptime(condition["lastUpdateTime"], "%Y-%m-%dT%H:%M:%SZ")


async def test_a_stuck_rollout_times_out_a_second_after_its_whole_second_deadline(kube: KubeTarget) -> None:
    progress: list[Obj] = []  # the Progressing conditions the rollout showed, in order

    def record(obj: Obj | None) -> Obj | None:
        status = (obj or {}).get("status") or {}
        conditions = [c for c in status.get("conditions") or [] if c["type"] == "Progressing"]
        if conditions and (not progress or progress[-1] != conditions[0]):
            progress.append(conditions[0])
        return conditions[0] if conditions and conditions[0]["reason"] == "ProgressDeadlineExceeded" else None

    async with kube.platform(progress_deadline=DEADLINE) as platform:
        await platform.ensure_app(app_ref(kube))
        await platform.deploy(app_ref(kube), Colour.BLUE, Rollout("r1", SHA, kube.bad_image), 2)
        stuck = await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", record, kube.patience)

    [last_progress] = [c for c in progress if c["reason"] == "ReplicaSetUpdated"][-1:]
    assert (stamp(stuck) - stamp(last_progress)).total_seconds() == DEADLINE + 1, progress
