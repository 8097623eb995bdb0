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
started still become available.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from typing import Any

from tests.fake_k8s.paused import sync_paused
from tests.fake_k8s.pod_start import never_ready
from tests.fake_k8s.progress import Progress, availability, condition, deadline_of, replace
from tests.fake_k8s.replica_sets import ReplicaSets, replica_set_name, settle, start, starting
from tests.fake_k8s.rolling import COUNTS, adds_pods, complete, counts, limits, new_size, step
from tests.fake_k8s.scaling import is_scaling_event, scale

Obj = dict[str, Any]
Key = tuple[str, str]  # namespace, name


def _conditions(status: Obj, kind: str) -> Obj | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") == kind), None)


def _status(generation: int, shown: Obj, conditions: list[Obj]) -> Obj:
    # The API omits zero counts (omitempty), so readers must treat a missing count as 0.
    return {"observedGeneration": generation, **{k: v for k, v in shown.items() if v}, "conditions": conditions}


class Rollouts:
    def __init__(self, delay: float, write_status: Callable[[str, str, Obj], None],
                 read_secret: Callable[[str, str], Obj | None]) -> None:
        self.delay = delay
        self._write_status = write_status
        self._read_secret = read_secret
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self._replica_sets = ReplicaSets()
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
        self._replica_sets.forget((namespace, name))
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
        sets, replica_set = self._replica_sets.of(key), replica_set_name(name, spec["template"])
        old_status = (previous or {}).get("status") or {}
        shown = {field: int(old_status.get(field, 0)) for field in COUNTS}  # what the controller compares with
        available = _conditions(old_status, "Available")
        earlier = _conditions(old_status, "Progressing")

        def write(now: Obj, *conditions: Obj | None) -> None:
            nonlocal available
            available = replace(available, availability(now["availableReplicas"] >= desired - unavailable))
            self._write_status(namespace, name, _status(generation, now, [available, *filter(None, conditions)]))

        paused = bool(spec.get("paused"))
        # A paused Deployment gets no new ReplicaSet: its template's, if there is one, is made the newest revision.
        found = self._replica_sets.adopt(key, replica_set, create=False)[0] if paused else \
            self._replica_sets.find(key, replica_set)
        if paused or is_scaling_event(sets, desired):  # syncDeployment: sync, not a rollout
            scale(sets, found, desired, surge, (spec.get("strategy") or {}).get("type") != "Recreate",
                  shown["replicas"])
            if paused:
                await sync_paused(sets, found, write, earlier, spec, self.delay)
                return
            write(shown := counts(sets, found), earlier)  # syncDeploymentStatus: the conditions as they were
            settle(sets)
        new, existed = self._replica_sets.adopt(key, replica_set)
        assert new is not None
        new.never_ready = never_ready(namespace, spec, self._read_secret)
        if not existed:  # getNewReplicaSet creates it as large as NewRSNewReplicas lets it be
            new.scale(new_size(sets, new, desired, surge), desired, surge)
        if earlier is not None and earlier["reason"] == "DeploymentPaused" and deadline_of(spec) is not None:
            earlier = condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed")
        progress = Progress(replica_set, deadline_of(spec), earlier, created=not existed)
        if progress.condition is not None and progress.condition != _conditions(old_status, "Progressing"):
            # getNewReplicaSet's (or checkPausedConditions') own write: the status as it was, the generation before.
            conditions = [c for c in old_status.get("conditions") or [] if c["type"] != "Progressing"]
            self._write_status(namespace, name, {**old_status, "conditions": [*conditions, progress.condition]})
        if self._refusal is not None and adds_pods(sets, new, desired, surge, unavailable):
            failure = condition("ReplicaFailure", "True", "FailedCreate", self._refusal)
            write(now := counts(sets, new), progress.condition, failure)
            await progress.wait(self._admitted, lambda stuck: write(now, stuck, failure))
        while True:
            # One sync: one scaling step, then the status of the pods as they are; the ReplicaSet controller's pods
            # for it start the next sync (rolling.py).
            scaled = step(sets, new, desired, surge, unavailable)
            before, shown = shown, counts(sets, new)
            progress.saw(before, shown, done := complete(shown, desired))
            write(shown, progress.condition)
            if done:
                self._replica_sets.clean_up(key, int(spec.get("revisionHistoryLimit", 10)))
                return
            if settle(sets) or scaled:
                continue
            # Pods become available after the delay, those of a bad image never; the deadline counts from the last
            # progress, and passing it changes nothing but the condition.
            if not await progress.sleep(self.delay if starting(sets) else None, functools.partial(write, shown)):
                return
            start(sets)
