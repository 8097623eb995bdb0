"""A rollout's Progressing condition and its deadline, as kube-controller-manager's deployment controller keeps them.

Its logic (pkg/controller/deployment/progress.go, `syncRolloutStatus`; util/deployment_util.go): a sync that finds the
rollout complete sets Progressing True/NewReplicaSetAvailable; one that sees progress (more updated pods, fewer old
ones, more ready or available) sets True/ReplicaSetUpdated with a fresh lastUpdateTime, keeping lastTransitionTime if
it was True already; one that sees none past `progressDeadlineSeconds` after the condition's lastUpdateTime sets
False/ProgressDeadlineExceeded (DeploymentTimedOut). That lastUpdateTime is the condition's own, also for one carried
over from an earlier change (an old ReplicaSet reused, the same template kept): a deadline that passed already times
the first sync of the change out. The controller goes on meanwhile: progress after the timeout sets True again. A
finished rollout (NewReplicaSetAvailable) scaled up is not estimated at all, so it never times out. A Deployment whose
deadline is MaxInt32 (none) has no Progressing condition at all (syncRolloutStatus removes it).

A rollout's first condition is getNewReplicaSet's: True/NewReplicaSetCreated when it creates the ReplicaSet (the
lastTransitionTime of a True condition before kept: SetDeploymentCondition), FoundNewReplicaSet when it finds one where
the Deployment has no condition. Timestamps are whole seconds, as the API server serializes metav1.Time, and the
deadline counts from them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fake_k8s.conditions import condition, replace

Obj = dict[str, Any]
NO_DEADLINE = 2**31 - 1  # math.MaxInt32: HasProgressDeadline is false
DONE, STUCK = "NewReplicaSetAvailable", "ProgressDeadlineExceeded"


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
    """The Progressing condition of one rollout (None: the Deployment has no deadline, so no such condition), and when
    its deadline passes."""

    def __init__(self, replica_set: str, deadline: float | None, shown: Obj | None, *, created: bool) -> None:
        """`shown`: the condition the Deployment shows. getNewReplicaSet sets True/NewReplicaSetCreated when it
        creates the ReplicaSet, True/FoundNewReplicaSet when it finds one and there is no condition at all, and
        otherwise leaves the condition as it is: its deadline counted from its own lastUpdateTime."""
        self.replica_set, self.deadline = replica_set, deadline
        self.condition: Obj | None = None  # syncRolloutStatus removes it from a Deployment with no deadline
        self.refreshed = False  # the last sync saw progress: the condition is moved to the end (conditions.py)
        if deadline is None:
            return
        if created:
            self.condition = replace(shown, condition("Progressing", "True", "NewReplicaSetCreated",
                                                      f'Created new replica set "{replica_set}"'))
        else:
            self.condition = shown or condition("Progressing", "True", "FoundNewReplicaSet",
                                                f'Found new replica set "{replica_set}"')

    def saw(self, before: Obj, after: Obj, done: bool) -> None:
        """One sync's estimate (syncRolloutStatus), from the status shown `before` to the one computed `after`."""
        current, self.refreshed = self.condition, False
        if current is None or (current["reason"] == DONE and after["replicas"] == after["updatedReplicas"]):
            return  # no deadline, or isCompleteDeployment: a resync of a finished rollout (scaled) is not estimated
        if done:
            self.condition = replace(current, condition(
                "Progressing", "True", DONE, f'ReplicaSet "{self.replica_set}" has successfully progressed.'))
        elif progressed(before, after):
            # Not SetDeploymentCondition's rule: progress refreshes lastUpdateTime even under the same reason, and
            # keeps lastTransitionTime only if the condition was True already.
            fresh = condition("Progressing", "True", "ReplicaSetUpdated",
                              f'ReplicaSet "{self.replica_set}" is progressing.')
            if current["status"] == "True":
                fresh["lastTransitionTime"] = current["lastTransitionTime"]
            self.condition, self.refreshed = fresh, True
        elif (left := self._left()) is not None and left < 0:
            self._time_out()

    def _time_out(self) -> None:
        self.refreshed = False
        self.condition = replace(self.condition, condition(
            "Progressing", "False", STUCK, f'ReplicaSet "{self.replica_set}" has timed out progressing.'))

    def _left(self) -> float | None:
        """Seconds until DeploymentTimedOut: lastUpdateTime, as the API server keeps it (whole seconds, so up to a
        second before the instant the controller set it), plus the deadline. None if it cannot time out (any more):
        a timed-out condition stays as it is, and a NewReplicaSetAvailable one (carried over from a finished rollout)
        is no base to estimate progress from."""
        if self.deadline is None or self.condition is None or self.condition["reason"] in (STUCK, DONE):
            return None
        return self.deadline - _age(self.condition["lastUpdateTime"])

    def _due(self) -> float | None:
        """Seconds until the controller looks again and finds the deadline passed: requeueStuckDeployment, in the sync
        after a status write, queues the Deployment for then plus one second ("to avoid milliseconds skew"), or
        rate-limited at once (every few milliseconds) when less than a second is left."""
        left = self._left()
        # A few milliseconds on top, the sync's own time: a timer firing early would time out before the deadline.
        return None if left is None else (left if left < 1 else left + 1) + 0.01

    async def sleep(self, seconds: float | None, stuck: Callable[[], None]) -> bool:
        """Waits `seconds` for the next progress (None: none will ever come), timing out on the way if the deadline
        passes first (`stuck` writes the status with the new condition). False if nothing will ever come: the
        rollout stays as it is."""
        loop = asyncio.get_running_loop()
        end = None if seconds is None else loop.time() + seconds
        due = self._due()
        if due is not None and (end is None or loop.time() + due < end):
            await asyncio.sleep(max(0.0, due))
            self._time_out()
            stuck()
        if end is None:
            return False
        await asyncio.sleep(max(0.0, end - loop.time()))
        return True

    async def wait(self, event: asyncio.Event, stuck: Callable[[], None]) -> None:
        """Waits for `event` (the pods admitted again), timing out on the way if the deadline passes first."""
        due = self._due()
        if due is not None and not event.is_set():
            try:
                await asyncio.wait_for(event.wait(), max(0.0, due))
            except TimeoutError:
                self._time_out()
                stuck()
        await event.wait()
