"""The deployment controller, simulated: status follows spec in waves on the fake's own clock.

Each wave, the pods the controller started (rolling.py: within maxSurge and maxUnavailable) become available after
`delay` seconds, and the old templates' pods make room for more, through the counts a real Deployment shows
(`replicas` and `availableReplicas` include the old pods). Pods belong to ReplicaSets (replica_sets.py), which outlive
a rollout: a change back to a template whose ReplicaSet still has pods counts them as updated at once.

The progress deadline is the controller's (progress.py): progressDeadlineSeconds without progress turn Progressing
False/ProgressDeadlineExceeded: pods slower than that (a `delay` longer than the deadline) time a good image's rollout
out too, and it goes on all the same. Pods that never become available (pod_start.py: a bad image, a missing Secret)
time their rollout out for good. A finished rollout scaled up again is not estimated: NewReplicaSetAvailable for ever.
A change that creates no ReplicaSet keeps the Progressing condition the Deployment shows, its deadline counted from its
own lastUpdateTime: a reused ReplicaSet scaled to zero shows it for one `delay` before its first pods; a change that
keeps the template (replicas, the deadline) keeps it until the next progress.

`refuse_pods(message)` makes every rollout that needs new pods fail to create them (a ResourceQuota full, a webhook
down): `ReplicaFailure` True/FailedCreate, as the ReplicaSet controller reports it, until `refuse_pods(None)`, when
the condition goes and the rollout goes on (past the progress deadline too: the controller never gives up).

A paused Deployment (`spec.paused`) gets no new ReplicaSet, scales none and has no deadline until it is resumed; its
pods already started still become available.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from typing import Any

from tests.fake_k8s.pod_start import never_ready
from tests.fake_k8s.progress import Progress, availability, condition, deadline_of, replace
from tests.fake_k8s.replica_sets import ReplicaSet, ReplicaSets, replica_set_name
from tests.fake_k8s.rolling import COUNTS, adds_pods, complete, counts, limits, sync

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
        sets = self._replica_sets.of(key)
        was_current = sets[-1].name if sets else None
        replica_set = replica_set_name(name, spec["template"])
        new, existed = self._replica_sets.adopt(key, replica_set, create=not spec.get("paused"))
        old_status = (previous or {}).get("status") or {}
        shown = {field: int(old_status.get(field, 0)) for field in COUNTS}  # what the controller compares with
        available = _conditions(old_status, "Available")

        def write(now: Obj, *conditions: Obj) -> None:
            nonlocal available
            available = replace(available, availability(now["availableReplicas"] >= desired - unavailable))
            self._write_status(namespace, name, _status(generation, now, [available, *conditions]))

        earlier = _conditions(old_status, "Progressing")
        if new is None or spec.get("paused"):
            await self._paused(sets, new, write, earlier, namespace, spec)
            return
        new.never_ready = never_ready(namespace, spec, self._read_secret)
        # No ReplicaSet created, no condition set: an old one reused, or the template kept, keeps the condition the
        # Deployment shows, and its deadline (a resume sets Unknown/DeploymentResumed first: checkPausedConditions).
        carried = earlier if existed and deadline_of(spec) is not None else None
        if carried is not None and carried.get("reason") == "DeploymentPaused":
            carried = condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed")
        progress = Progress(replica_set, deadline_of(spec), carried)
        if existed and was_current != replica_set and new.replicas == 0:
            # An old ReplicaSet reused: the syncs before its first pods show the ReplicaSets as they were.
            progress.saw(shown, now := counts(sets, new), False)
            shown = now
            write(now, progress.condition)
            await progress.sleep(self.delay, functools.partial(write, now))
        if self._refusal is not None and adds_pods(sets, new, desired, surge, unavailable):
            failure = condition("ReplicaFailure", "True", "FailedCreate", self._refusal)
            write(now := counts(sets, new), progress.condition, failure)
            await progress.wait(self._admitted, lambda stuck: write(now, stuck, failure))
        while True:
            sync(sets, new, desired, surge, unavailable)
            before, shown = shown, counts(sets, new)
            progress.saw(before, shown, done := complete(shown, desired))
            write(shown, progress.condition)
            if done:
                self._replica_sets.clean_up(key, int(spec.get("revisionHistoryLimit", 10)))
                return
            # Each wave's pods become available after the delay, those of a bad image never; the deadline counts
            # from the last progress, and passing it changes nothing but the condition.
            pending = new.replicas > new.available and not new.never_ready
            if not await progress.sleep(self.delay if pending else None, functools.partial(write, shown)):
                return
            new.available = new.replicas

    async def _paused(self, sets: list[ReplicaSet], new: ReplicaSet | None, write: Callable[..., None],
                      earlier: Obj | None, namespace: str, spec: Obj) -> None:
        """The controller scales no ReplicaSet for a paused Deployment, creates none and has no deadline for it; pods
        that had started before the pause still become available. A timeout stays (checkPausedConditions)."""
        kept = earlier if earlier and earlier["reason"] in ("DeploymentPaused", "ProgressDeadlineExceeded") else None
        paused = kept or condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
        write(counts(sets, new), paused)
        if new is not None and new.replicas > new.available and not never_ready(namespace, spec, self._read_secret):
            await asyncio.sleep(self.delay)
            new.available = new.replicas
            write(counts(sets, new), paused)
