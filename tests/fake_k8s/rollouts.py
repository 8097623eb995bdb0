"""The deployment controller, simulated: status follows spec sync by sync on the fake's own clock.

Each sync scales one step (rolling.py: within maxSurge and maxUnavailable) and writes the status, the ReplicaSet
controller's pods for it start the next one, and new pods become available `delay` seconds after they started. The
counts are those a real Deployment shows (`replicas` and `availableReplicas` include the old pods). Pods belong to
ReplicaSets (replica_sets.py), which outlive a rollout: a change back to a template whose ReplicaSet still has pods
counts them as updated at once. A change of the replicas alone, midway, scales the ReplicaSets in proportion
(scaling.py).

The Progressing condition and its deadline are the controller's (progress.py): a created ReplicaSet first,
then progress, then the rollout complete, or progressDeadlineSeconds without progress (pods slower than the deadline,
pods that never become available: pod_start.py), after which the rollout goes on all the same. A change that creates no
ReplicaSet keeps the condition the Deployment shows, its deadline counted from its own lastUpdateTime.

`refuse_pods(message)` makes every rollout that needs new pods fail to create them (a ResourceQuota full, a webhook
down): `ReplicaFailure` True/FailedCreate, as the ReplicaSet controller reports it, until `refuse_pods(None)`, when
the condition goes and the rollout goes on (past the progress deadline too: the controller never gives up).

A paused Deployment (`spec.paused`) gets no new ReplicaSet and has no deadline until it is resumed; its pods already
started still become available. A resume writes DeploymentResumed on its own, and never NewReplicaSetCreated after it.
Each rollout's ReplicaSet takes the next revision, which the Deployment shows (`deployment.kubernetes.io/revision`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from typing import Any

from tests.fake_k8s.conditions import condition
from tests.fake_k8s.deployment_status import DeploymentStatus
from tests.fake_k8s.paused import sync_paused
from tests.fake_k8s.pod_start import never_ready
from tests.fake_k8s.progress import Progress, deadline_of
from tests.fake_k8s.replica_set_view import hand_over
from tests.fake_k8s.replica_sets import ReplicaSets, replica_set_name, settle, start, starting
from tests.fake_k8s.rolling import COUNTS, adds_pods, complete, counts, limits, new_size, step
from tests.fake_k8s.scaling import is_scaling_event, scale

Obj = dict[str, Any]
Key = tuple[str, str]  # namespace, name


class Rollouts:
    def __init__(self, delay: float, write_status: Callable[[str, str, Obj, str | None], None],
                 read_secret: Callable[[str, str], Obj | None]) -> None:
        self.delay = delay
        self._write_status = write_status
        self._read_secret = read_secret
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self.replica_sets = ReplicaSets()
        self._refusal: str | None = None
        self._admitted = asyncio.Event()
        self._admitted.set()

    def refuse_pods(self, message: str | None) -> None:
        self._refusal = message
        if message is None:
            self._admitted.set()
        else:
            self._admitted.clear()

    def start(self, deployment: Obj, previous: Obj | None) -> None:
        """Called on every write that changed the spec; a newer rollout replaces a running one."""
        meta = deployment["metadata"]
        key = (meta["namespace"], meta["name"])
        if (task := self._tasks.pop(key, None)) is not None:
            task.cancel()
        self._tasks[key] = asyncio.create_task(self._roll(deployment, previous))

    def forget(self, namespace: str, name: str) -> None:
        self.replica_sets.forget((namespace, name))
        if (task := self._tasks.pop((namespace, name), None)) is not None:
            task.cancel()

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _roll(self, deployment: Obj, previous: Obj | None) -> None:
        meta, spec = deployment["metadata"], deployment["spec"]
        namespace, name, generation = meta["namespace"], meta["name"], int(meta["generation"])
        key, desired, (surge, unavailable) = (namespace, name), int(spec.get("replicas", 1)), limits(spec)
        sets, replica_set = self.replica_sets.of(key), replica_set_name(name, spec["template"])
        old_status = (previous or {}).get("status") or {}
        shown = {field: int(old_status.get(field, 0)) for field in COUNTS}  # what the controller compares with
        status = DeploymentStatus(functools.partial(self._write_status, namespace, name), generation, old_status,
                                  desired - unavailable)
        paused = bool(spec.get("paused"))
        hand_over(sets, previous)
        # A paused Deployment gets no new ReplicaSet: its template's, if there is one, is made the newest revision.
        found = self.replica_sets.adopt(key, replica_set, create=False)[0] if paused else \
            self.replica_sets.find(key, replica_set)
        if paused or is_scaling_event(sets, desired):  # syncDeployment: sync, not a rollout
            if found is not None:  # getAllReplicaSetsAndSyncRevision, without creating one
                self.replica_sets.sync_revision(key, found)
                status.revision = str(found.revision)
            scale(sets, found, desired, surge, (spec.get("strategy") or {}).get("type") != "Recreate",
                  shown["replicas"])
            if paused:
                await sync_paused(sets, found, status, spec, self.delay)
                return
            status.synced(shown := counts(sets, found))
            settle(sets)
        new, existed = self.replica_sets.adopt(key, replica_set)
        assert new is not None
        new.template = new.template or spec["template"]
        self.replica_sets.sync_revision(key, new)
        status.revision = str(new.revision)
        new.never_ready = never_ready(namespace, spec, self._read_secret)
        if not existed:  # getNewReplicaSet creates it as large as NewRSNewReplicas lets it be
            new.scale(new_size(sets, new, desired, surge), desired, surge)
        earlier = status.conditions.get("Progressing")
        resumed = earlier is not None and earlier["reason"] == "DeploymentPaused" and deadline_of(spec) is not None
        if resumed:
            # checkPausedConditions writes DeploymentResumed on its own. getNewReplicaSet's NewReplicaSetCreated in the
            # same sync is sent with the resourceVersion the sync read, from before that write: a 409; the next sync
            # finds the ReplicaSet and a Progressing condition, so it sets none (only the revision).
            status.own(condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"))
        progress = Progress(replica_set, deadline_of(spec), status.conditions.get("Progressing"),
                            created=not existed and not resumed)
        status.own(progress.condition)  # getNewReplicaSet's own write, if it changes anything
        if self._refusal is not None and adds_pods(sets, new, desired, surge, unavailable):
            failure = condition("ReplicaFailure", "True", "FailedCreate", self._refusal)
            status.rolled(now := counts(sets, new), progress, failure)
            await progress.wait(self._admitted, functools.partial(status.rolled, now, progress, failure))
        while True:
            # One sync: one scaling step, then the status of the pods as they are; the ReplicaSet controller's pods
            # for it start the next sync (rolling.py).
            scaled = step(sets, new, desired, surge, unavailable)
            before, shown = shown, counts(sets, new)
            progress.saw(before, shown, done := complete(shown, desired))
            status.rolled(shown, progress)
            if done:
                self.replica_sets.clean_up(key, int(spec.get("revisionHistoryLimit", 10)))
                return
            if settle(sets) or scaled:
                continue
            # Pods become available after the delay, those of a bad image never; the deadline counts from the last
            # progress, and passing it changes nothing but the condition.
            if not await progress.sleep(self.delay if starting(sets) else None,
                                        functools.partial(status.rolled, shown, progress)):
                return
            start(sets)
