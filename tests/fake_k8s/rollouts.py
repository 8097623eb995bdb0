"""The deployment controller, simulated: status follows spec in waves on the fake's own clock.

Each wave, the pods the controller started (rolling.py: within maxSurge and maxUnavailable) become available after
`delay` seconds, and the old template's pods make room for more; a rollout over N old pods takes several waves,
through the counts a real Deployment shows (`replicas` and `availableReplicas` include the old pods).

The progress deadline is the controller's (progress.py): once the Deployment's progressDeadlineSeconds pass without
progress, its Progressing condition turns False/ProgressDeadlineExceeded: pods slower than that (a `delay` longer than
the deadline) time a good image's rollout out too, and it goes on all the same (True again at its next progress).
Pods that never become available (pod_start.py: a bad image, a missing Secret) time their rollout out for good. Only a
new rollout times out: a finished one scaled up again stays unavailable for ever, its condition NewReplicaSetAvailable,
as the real controller leaves it.

`refuse_pods(message)` makes every rollout that needs new pods fail to create them (a ResourceQuota full, a webhook
down): `ReplicaFailure` True/FailedCreate, as the ReplicaSet controller reports it, until `refuse_pods(None)`, when
the condition goes and the rollout goes on (past the progress deadline too: the controller never gives up).

A change back to a template whose old ReplicaSet is kept, scaled to zero (replica_sets.py), first shows the Progressing
condition the previous rollout left, a timed-out one too, for one `delay`, before the reused ReplicaSet's first pods;
a change that keeps the template (replicas, the deadline) keeps a timed-out condition until the next progress.

A paused Deployment (`spec.paused`) scales no ReplicaSet and has no deadline until it is resumed: a new template
gets no pods, and a rollout paused midway stays where it was (its pods already started still become available).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from typing import Any

from tests.fake_k8s.pod_start import never_ready
from tests.fake_k8s.progress import Progress, condition, deadline_of
from tests.fake_k8s.replica_sets import ReplicaSets, replica_set_name
from tests.fake_k8s.rolling import Pods, limits, sync

Obj = dict[str, Any]
Key = tuple[str, str]  # namespace, name


def _available() -> Obj:
    return condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")


def _status(generation: int, pods: Pods, conditions: list[Obj]) -> Obj:
    # The API omits zero counts (omitempty), so readers must treat a missing count as 0.
    return {"observedGeneration": generation, **{k: v for k, v in pods.status_counts().items() if v},
            "conditions": conditions}


def _carried(status: Obj, desired: int) -> Pods:
    """The pods a status shows, for a change of the same template: the new ReplicaSet's and the old ones'."""
    updated = min(int(status.get("updatedReplicas", 0)), desired)
    old = max(0, int(status.get("replicas", 0)) - int(status.get("updatedReplicas", 0)))
    return Pods(old, updated, max(0, min(updated, int(status.get("availableReplicas", 0)) - old)))


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
        desired = int(spec.get("replicas", 1))
        surge, unavailable = limits(spec)
        replica_set = replica_set_name(name, spec["template"])
        reused = self._replica_sets.adopt((namespace, name), replica_set, int(spec.get("revisionHistoryLimit", 10)))
        old_status = (previous or {}).get("status") or {}
        still_available = min(int(old_status.get("availableReplicas", 0)), desired)
        # A status of a generation before the previous one tells nothing of the previous template's pods: it counts
        # the ones before it (the controller had not seen that change yet), so they are all old.
        same_template = previous is not None and previous["spec"]["template"] == spec["template"] and \
            int(old_status.get("observedGeneration", 0)) >= int(previous["metadata"].get("generation", 0))
        # The pods that serve on: with the same template, the ReplicaSets as they were (a scale, a pause or a resume
        # midway keeps what was old and what was new); with another, all of them old.
        pods = _carried(old_status, desired) if same_template else Pods(still_available)
        if same_template and old_status.get("conditions") and pods.old == 0 and desired <= pods.ready:
            self._done(namespace, name, generation, desired, replica_set)  # scaled down: immediate
            return
        earlier = [c for c in old_status.get("conditions") or [] if c.get("type") == "Progressing"]
        finished = [c for c in earlier if c.get("reason") == "NewReplicaSetAvailable"]
        # A scale-up of a finished rollout is no new rollout: the controller keeps NewReplicaSetAvailable and
        # estimates no progress, so it never times out. No ReplicaSet created, no condition set: an old one reused
        # keeps the earlier rollout's, and a timed-out one stays through any change that keeps the template.
        timed_out = [c for c in earlier if c.get("reason") == "ProgressDeadlineExceeded"]
        kept = earlier if reused else timed_out if same_template else []
        carried = kept[0] if kept and deadline_of(spec) is not None else None
        progress = Progress(replica_set, deadline_of(spec), finished[0] if same_template and finished else None,
                            carried)

        def write(pods: Pods, *conditions: Obj) -> None:
            enough = pods.old + pods.ready >= desired - unavailable  # the Available condition's own rule
            available = _available() if enough else condition(
                "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
            self._write_status(namespace, name, _status(generation, pods, [available, *conditions]))

        if spec.get("paused"):
            await self._paused(pods, write, namespace, spec)
            return
        if carried is not None:  # the syncs before the first pods of this change: no progress yet
            write(pods, progress.condition)
            await progress.sleep(self.delay, functools.partial(write, pods))
        if sync(pods, desired, surge, unavailable).new > pods.new and self._refusal is not None:
            failure = condition("ReplicaFailure", "True", "FailedCreate", self._refusal)
            write(pods, progress.condition, failure)
            await progress.wait(self._admitted, lambda stuck: write(pods, stuck, failure))
        bad = never_ready(namespace, spec, self._read_secret)
        while not (synced := sync(pods, desired, surge, unavailable)).done(desired):
            progress.saw(pods, synced)
            pods = synced
            write(pods, progress.condition)
            # Each wave's pods become available after the delay, those of a bad image never; the deadline counts
            # from the last progress, and passing it changes nothing but the condition.
            if not await progress.sleep(None if bad else self.delay, functools.partial(write, pods)):
                return
            pods = Pods(pods.old, pods.new, pods.new)
        self._done(namespace, name, generation, desired, replica_set)

    async def _paused(self, pods: Pods, write: Callable[..., None], namespace: str, spec: Obj) -> None:
        """The controller scales no ReplicaSet for a paused Deployment and has no deadline for it; pods that had
        started before the pause still become available."""
        paused = condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
        write(pods, paused)
        if pods.ready < pods.new and not never_ready(namespace, spec, self._read_secret):
            await asyncio.sleep(self.delay)
            write(Pods(pods.old, pods.new, pods.new), paused)

    def _done(self, namespace: str, name: str, generation: int, desired: int, replica_set: str) -> None:
        self._replica_sets.finished((namespace, name), replica_set)
        self._write_status(namespace, name, _status(generation, Pods(0, desired, desired), [
            _available(),
            condition("Progressing", "True", "NewReplicaSetAvailable",
                      f'ReplicaSet "{replica_set}" has successfully progressed.'),
        ]))
