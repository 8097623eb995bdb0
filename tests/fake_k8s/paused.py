"""A paused Deployment's syncs (syncDeployment with `spec.paused`: checkPausedConditions, then sync).

The controller creates no ReplicaSet for it and has no deadline for it, but `sync` scales the ReplicaSets there are
(scaling.py, done by the caller) and writes their status; pods that had started before the pause still become
available. checkPausedConditions sets Progressing Unknown/DeploymentPaused in a write of its own, except over a
ProgressDeadlineExceeded ("if we have reported lack of progress, do not overwrite it with a paused condition"), and
nothing on a Deployment without a deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.fake_k8s.conditions import condition
from tests.fake_k8s.deployment_status import DeploymentStatus
from tests.fake_k8s.progress import deadline_of
from tests.fake_k8s.replica_sets import ReplicaSet, settle, start, starting
from tests.fake_k8s.rolling import counts

Obj = dict[str, Any]
KEPT = ("DeploymentPaused", "ProgressDeadlineExceeded")


async def sync_paused(sets: list[ReplicaSet], new: ReplicaSet | None, status: DeploymentStatus, spec: Obj,
                      delay: float) -> None:
    earlier = status.conditions.get("Progressing")
    if deadline_of(spec) is not None and not (earlier and earlier["reason"] in KEPT):
        status.own(condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"))
    status.synced(counts(sets, new))
    if settle(sets):
        status.synced(counts(sets, new))
    if starting(sets):
        await asyncio.sleep(delay)
        start(sets)
        status.synced(counts(sets, new))
