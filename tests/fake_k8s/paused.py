"""A paused Deployment's syncs (syncDeployment with `spec.paused`: checkPausedConditions, then sync).

The controller creates no ReplicaSet for it and has no deadline for it, but `sync` scales the ReplicaSets there are
(scaling.py, done by the caller) and writes their status; pods that had started before the pause still become
available. checkPausedConditions sets Progressing Unknown/DeploymentPaused, except over a ProgressDeadlineExceeded ("if
we have reported lack of progress, do not overwrite it with a paused condition"), and nothing on a Deployment without a
deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.fake_k8s.progress import condition, deadline_of
from tests.fake_k8s.replica_sets import ReplicaSet, settle, start, starting
from tests.fake_k8s.rolling import counts

Obj = dict[str, Any]


async def sync_paused(sets: list[ReplicaSet], new: ReplicaSet | None, write: Callable[..., None],
                      earlier: Obj | None, spec: Obj, delay: float) -> None:
    """`write(counts, *conditions)` writes a status; `earlier`: the Progressing condition the Deployment shows."""
    kept = earlier if earlier and earlier["reason"] in ("DeploymentPaused", "ProgressDeadlineExceeded") else None
    paused = earlier if deadline_of(spec) is None else \
        kept or condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
    write(counts(sets, new), paused)
    if settle(sets):
        write(counts(sets, new), paused)
    if starting(sets):
        await asyncio.sleep(delay)
        start(sets)
        write(counts(sets, new), paused)
