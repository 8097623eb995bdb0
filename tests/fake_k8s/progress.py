"""A rollout's Progressing condition and its deadline, as kube-controller-manager's deployment controller keeps them.

Its logic (pkg/controller/deployment/progress.go, `syncRolloutStatus`; util/deployment_util.go): a sync that sees
progress (more updated pods, fewer old ones, more ready or available) sets Progressing True/ReplicaSetUpdated with a
fresh lastUpdateTime, keeping lastTransitionTime if it was True already; a sync that sees none past
`progressDeadlineSeconds` after that lastUpdateTime sets Progressing False/ProgressDeadlineExceeded. The controller
goes on meanwhile: progress after the timeout sets it True again. A finished rollout (NewReplicaSetAvailable) scaled
up is not estimated at all, so it never times out; nor is a Deployment whose deadline is MaxInt32 (none).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.fake_k8s.rolling import Pods
from tests.fake_k8s.store import now

Obj = dict[str, Any]
NO_DEADLINE = 2**31 - 1  # math.MaxInt32: HasProgressDeadline is false


def condition(kind: str, status: str, reason: str, message: str) -> Obj:
    stamp = now()
    return {"type": kind, "status": status, "reason": reason, "message": message,
            "lastUpdateTime": stamp, "lastTransitionTime": stamp}


def progressed(before: Pods, after: Pods) -> bool:
    """DeploymentProgressing: the fake's pods are ready and available at once, so one count stands for both."""
    return after.new > before.new or after.old < before.old or after.old + after.ready > before.old + before.ready


def deadline_of(spec: Obj) -> float | None:
    seconds = int(spec.get("progressDeadlineSeconds", 600))
    return None if seconds == NO_DEADLINE else float(seconds)


class Progress:
    """The Progressing condition of one rollout, and the time since its last progress."""

    def __init__(self, replica_set: str, deadline: float | None, finished: Obj | None = None,
                 carried: Obj | None = None) -> None:
        """`finished`: a finished rollout's condition, scaled up (never estimated); `carried`: the condition an
        earlier rollout left, kept until this one's first progress (an old ReplicaSet reused: replica_sets.py; a timeout
        through a change that keeps the template)."""
        self.replica_set = replica_set
        self.deadline = None if finished is not None else deadline
        self.condition = finished or carried or condition("Progressing", "True", "ReplicaSetUpdated",
                                                          f'ReplicaSet "{replica_set}" is progressing.')
        self._since = asyncio.get_running_loop().time()

    def saw(self, before: Pods, after: Pods) -> None:
        if self.deadline is None or not progressed(before, after):
            return
        fresh = condition("Progressing", "True", "ReplicaSetUpdated",
                          f'ReplicaSet "{self.replica_set}" is progressing.')
        if self.condition["status"] == "True":
            fresh["lastTransitionTime"] = self.condition["lastTransitionTime"]
        self.condition = fresh
        self._since = asyncio.get_running_loop().time()

    @property
    def timed_out(self) -> bool:
        return self.condition["reason"] == "ProgressDeadlineExceeded"

    def _time_out(self, stuck: Callable[[Obj], None]) -> None:
        self.condition = condition("Progressing", "False", "ProgressDeadlineExceeded",
                                   f'ReplicaSet "{self.replica_set}" has timed out progressing.')
        stuck(self.condition)

    def _left(self) -> float | None:
        """Seconds until the deadline passes without progress; None if it cannot (any more)."""
        # DeploymentTimedOut: a timed-out condition stays as it is, and a NewReplicaSetAvailable one (carried over from
        # a finished rollout) is no base to estimate progress from.
        if self.deadline is None or self.timed_out or self.condition["reason"] == "NewReplicaSetAvailable":
            return None
        return max(0.0, self._since + self.deadline - asyncio.get_running_loop().time())

    async def sleep(self, seconds: float | None, stuck: Callable[[Obj], None]) -> bool:
        """Waits `seconds` for the next progress (None: none will ever come), timing out on the way if the deadline
        passes first (`stuck` writes the status with the new condition). False if nothing will ever come: the
        rollout stays as it is."""
        loop = asyncio.get_running_loop()
        end = None if seconds is None else loop.time() + seconds
        left = self._left()
        if left is not None and (end is None or loop.time() + left < end):
            await asyncio.sleep(left)
            self._time_out(stuck)
        if end is None:
            return False
        await asyncio.sleep(max(0.0, end - loop.time()))
        return True

    async def wait(self, event: asyncio.Event, stuck: Callable[[Obj], None]) -> None:
        """Waits for `event` (the pods admitted again), timing out on the way if the deadline passes first."""
        left = self._left()
        if left is not None and not event.is_set():
            try:
                await asyncio.wait_for(event.wait(), left)
            except TimeoutError:
                self._time_out(stuck)
        await event.wait()
