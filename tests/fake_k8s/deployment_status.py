"""The status writes of one Deployment's syncs, as the deployment controller makes them (sync.go, progress.go).

calculateStatus copies the conditions the Deployment shows and sets Available; `sync` (a scaling event, a paused
Deployment) writes that alone (syncDeploymentStatus); a rollout's syncRolloutStatus also sets Progressing from the
sync's estimate (progress.py) and the ReplicaSet's ReplicaFailure, or removes it. getNewReplicaSet's write, and
checkPausedConditions', is the status as shown with one condition set, under the generation observed before.

Each write carries the revision annotation (SetDeploymentRevision): the status subresource resets only a Deployment's
spec and labels, so the controller sets its annotations with the status it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fake_k8s.conditions import Conditions, availability
from tests.fake_k8s.progress import Progress

Obj = dict[str, Any]
Write = Callable[[Obj, str | None], None]  # the status, and the revision annotation (None: left as it is)


def _status(generation: int, counts: Obj, conditions: list[Obj]) -> Obj:
    # The API omits zero counts (omitempty), so readers must treat a missing count as 0.
    return {"observedGeneration": generation, **{k: v for k, v in counts.items() if v}, "conditions": conditions}


class DeploymentStatus:
    def __init__(self, write: Write, generation: int, shown: Obj, least_available: int) -> None:
        """`shown`: the status the Deployment shows; `least_available`: desired - maxUnavailable."""
        self._write, self.generation, self.shown = write, generation, shown
        self.conditions = Conditions(shown.get("conditions"))
        self.least_available = least_available
        self.revision: str | None = None  # the new ReplicaSet's, once there is one

    def own(self, condition: Obj | None = None) -> None:
        """getNewReplicaSet's (or checkPausedConditions') write: the status as shown, `condition` set."""
        if condition is not None:
            self.conditions.set(condition)
        self._put({**self.shown, "conditions": self.conditions.listed})

    def synced(self, counts: Obj) -> None:
        """syncDeploymentStatus: the counts and Available; Progressing and ReplicaFailure as shown."""
        self.conditions.set(availability(counts["availableReplicas"] >= self.least_available))
        self._put(_status(self.generation, counts, self.conditions.listed))

    def rolled(self, counts: Obj, progress: Progress, failure: Obj | None = None) -> None:
        """syncRolloutStatus: Available, then Progressing (removed without a deadline), then ReplicaFailure."""
        self.conditions.set(availability(counts["availableReplicas"] >= self.least_available))
        if progress.condition is None:
            self.conditions.remove("Progressing")
        elif progress.refreshed:
            self.conditions.refresh(progress.condition)
        else:
            self.conditions.set(progress.condition)
        if failure is None:
            self.conditions.remove("ReplicaFailure")
        else:
            self.conditions.set(failure)
        self._put(_status(self.generation, counts, self.conditions.listed))

    def _put(self, status: Obj) -> None:
        self.shown = {**status, "conditions": list(status["conditions"])}
        self._write(self.shown, self.revision)
