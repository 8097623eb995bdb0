"""A rollout's Progressing condition and its deadline, as kube-controller-manager's deployment controller keeps them.

Its logic (pkg/controller/deployment/progress.go, `syncRolloutStatus`; util/deployment_util.go): a sync that finds the
rollout complete sets Progressing True/NewReplicaSetAvailable; one that sees progress (more updated pods, fewer old
ones, more ready or available) sets True/ReplicaSetUpdated with a fresh lastUpdateTime, keeping lastTransitionTime if
it was True already; one that sees none past `progressDeadlineSeconds` after the condition's lastUpdateTime sets
False/ProgressDeadlineExceeded (DeploymentTimedOut). That lastUpdateTime is the condition's own, also for one carried
over from an earlier change (an old ReplicaSet reused, the same template kept): a deadline that passed already times
the first sync of the change out. The controller goes on meanwhile: progress after the timeout sets True again. A
finished rollout (NewReplicaSetAvailable) scaled up is not estimated at all, so it never times out; nor is a Deployment
whose deadline is MaxInt32 (none).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fake_k8s.store import now

Obj = dict[str, Any]
NO_DEADLINE = 2**31 - 1  # math.MaxInt32: HasProgressDeadline is false
DONE, STUCK = "NewReplicaSetAvailable", "ProgressDeadlineExceeded"


def condition(kind: str, status: str, reason: str, message: str) -> Obj:
    stamp = now()
    return {"type": kind, "status": status, "reason": reason, "message": message,
            "lastUpdateTime": stamp, "lastTransitionTime": stamp}


def availability(enough: bool) -> Obj:
    """The Available condition calculateStatus sets; `enough`: desired - maxUnavailable pods available, or more."""
    if enough:
        return condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    return condition("Available", "False", "MinimumReplicasUnavailable",
                     "Deployment does not have minimum availability.")


def replace(current: Obj | None, fresh: Obj) -> Obj:
    """SetDeploymentCondition: the same status and reason leave the condition as it is; the same status keeps its
    lastTransitionTime."""
    if current is None or current["status"] != fresh["status"]:
        return fresh
    return current if current["reason"] == fresh["reason"] else {
        **fresh, "lastTransitionTime": current["lastTransitionTime"]}


def progressed(before: Obj, after: Obj) -> bool:
    """DeploymentProgressing, between the status the Deployment shows and the one this sync computed."""
    def old(status: Obj) -> int:
        return int(status.get("replicas", 0)) - int(status.get("updatedReplicas", 0))

    return any(int(after.get(field, 0)) > int(before.get(field, 0))
               for field in ("updatedReplicas", "readyReplicas", "availableReplicas")) or old(after) < old(before)


def deadline_of(spec: Obj) -> float | None:
    seconds = int(spec.get("progressDeadlineSeconds", 600))
    return None if seconds == NO_DEADLINE else float(seconds)


def _age(stamp: str) -> float:
    return time.time() - datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


class Progress:
    """The Progressing condition of one rollout, and when its deadline passes."""

    def __init__(self, replica_set: str, deadline: float | None, carried: Obj | None = None) -> None:
        """`carried`: the condition the Deployment shows, kept when this change created no ReplicaSet; else a fresh
        True one (the controller's NewReplicaSetCreated, which the fake calls ReplicaSetUpdated)."""
        self.replica_set, self.deadline = replica_set, deadline
        self.condition = carried or self._fresh(None)
        # The deadline counts from the lastUpdateTime the condition shows (whole seconds, as the API keeps it), not
        # from when this change came; a fresh condition of the fake's own counts from the exact instant.
        self._since = asyncio.get_running_loop().time() - (_age(self.condition["lastUpdateTime"]) if carried else 0)

    def _fresh(self, current: Obj | None) -> Obj:
        # Not SetDeploymentCondition's rule: progress refreshes lastUpdateTime even under the same reason.
        fresh = condition("Progressing", "True", "ReplicaSetUpdated",
                          f'ReplicaSet "{self.replica_set}" is progressing.')
        if current is not None and current["status"] == "True":
            fresh["lastTransitionTime"] = current["lastTransitionTime"]
        return fresh

    def saw(self, before: Obj, after: Obj, done: bool) -> None:
        """One sync's estimate (syncRolloutStatus), from the status shown `before` to the one computed `after`."""
        if self.condition["reason"] == DONE and after["replicas"] == after["updatedReplicas"]:
            return  # isCompleteDeployment: a resync of a finished rollout (scaled up) is not estimated
        if done:
            self.condition = replace(self.condition, condition(
                "Progressing", "True", DONE, f'ReplicaSet "{self.replica_set}" has successfully progressed.'))
        elif self.deadline is not None and progressed(before, after):
            self.condition = self._fresh(self.condition)
            self._since = asyncio.get_running_loop().time()
        elif (left := self._left()) is not None and left <= 0:
            self._time_out()

    def _time_out(self) -> None:
        self.condition = condition("Progressing", "False", STUCK,
                                   f'ReplicaSet "{self.replica_set}" has timed out progressing.')

    def _left(self) -> float | None:
        """Seconds until the deadline passes without progress; None if it cannot (any more)."""
        # DeploymentTimedOut: a timed-out condition stays as it is, and a NewReplicaSetAvailable one (carried over from
        # a finished rollout) is no base to estimate progress from.
        if self.deadline is None or self.condition["reason"] in (STUCK, DONE):
            return None
        return self._since + self.deadline - asyncio.get_running_loop().time()

    async def sleep(self, seconds: float | None, stuck: Callable[[Obj], None]) -> bool:
        """Waits `seconds` for the next progress (None: none will ever come), timing out on the way if the deadline
        passes first (`stuck` writes the status with the new condition). False if nothing will ever come: the
        rollout stays as it is."""
        loop = asyncio.get_running_loop()
        end = None if seconds is None else loop.time() + seconds
        left = self._left()
        if left is not None and (end is None or loop.time() + left < end):
            await asyncio.sleep(max(0.0, left))
            self._time_out()
            stuck(self.condition)
        if end is None:
            return False
        await asyncio.sleep(max(0.0, end - loop.time()))
        return True

    async def wait(self, event: asyncio.Event, stuck: Callable[[Obj], None]) -> None:
        """Waits for `event` (the pods admitted again), timing out on the way if the deadline passes first."""
        left = self._left()
        if left is not None and not event.is_set():
            try:
                await asyncio.wait_for(event.wait(), max(0.0, left))
            except TimeoutError:
                self._time_out()
                stuck(self.condition)
        await event.wait()
