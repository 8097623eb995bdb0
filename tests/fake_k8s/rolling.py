"""The deployment controller's rolling-update arithmetic (kube's pkg/controller/deployment/rolling.go), per ReplicaSet.

A rollout is a sequence of syncs, each of which scales at most one way and then writes the status (rolloutRolling):
reconcileNewReplicaSet scales the new ReplicaSet up as far as `maxSurge` lets the sizes of all of them exceed the
desired count (NewRSNewReplicas); else reconcileOldReplicaSets scales the old ones down, oldest first, their unavailable
pods first (cleanupUnhealthyReplicas), then available ones as far as `maxUnavailable` lets availability drop
(scaleDownOldReplicaSetsForRollingUpdate). The ReplicaSet controller then creates or deletes the pods, and its status
update starts the next sync. The Deployment's status sums the ReplicaSets' pods (calculateStatus): `replicas` and the
available counts include the old templates' pods, `updatedReplicas` is the new ReplicaSet's alone. With Greenlight's
strategy (maxSurge 25 %, maxUnavailable 0) two replicas over two old ones go 2 pods / 0 updated / 2 available (the
new ReplicaSet created, no pod yet), 3 / 1 / 2, then 3 / 1 / 3 (the new pod available: the sync that scales an old one
down writes the pods from before), 2 / 1 / 2, 3 / 2 / 2, 3 / 2 / 3, 2 / 2 / 2.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from tests.fake_k8s.replica_sets import ReplicaSet

Obj = dict[str, Any]
COUNTS = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas")


def _resolve(value: int | str, desired: int, *, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        scaled = int(value[:-1]) * desired / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return int(value)


def limits(spec: Obj) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) in pods: a percentage of surge rounds up, of unavailability down; both zero means
    one unavailable (ResolveFenceposts). Recreate is no surge and everything unavailable."""
    desired = int(spec.get("replicas", 1))
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, desired
    rolling = strategy.get("rollingUpdate") or {}
    surge = _resolve(rolling.get("maxSurge", "25%"), desired, round_up=True)
    unavailable = _resolve(rolling.get("maxUnavailable", "25%"), desired, round_up=False)
    return surge, (1 if surge == 0 and unavailable == 0 else unavailable)


def counts(sets: list[ReplicaSet], new: ReplicaSet | None) -> Obj:
    """calculateStatus: the ReplicaSets' pods summed (GetActualReplicaCountForReplicaSets), unavailable ones against
    their sizes; the fake's pods are ready exactly when available."""
    pods, available = sum(rs.pods for rs in sets), sum(rs.available for rs in sets)
    return {"replicas": pods, "updatedReplicas": new.pods if new else 0, "readyReplicas": available,
            "availableReplicas": available, "unavailableReplicas": max(0, sum(rs.replicas for rs in sets) - available)}


def complete(status: Obj, desired: int) -> bool:
    """DeploymentComplete: every desired pod updated and available, no old one left."""
    return status["updatedReplicas"] == status["replicas"] == status["availableReplicas"] == desired


def new_size(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int) -> int:
    """NewRSNewReplicas: as far up as maxSurge lets the sizes of all ReplicaSets go."""
    room = desired + surge - sum(rs.replicas for rs in sets)
    return new.replicas + max(0, min(room, desired - new.replicas))


def _reconcile_new(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int) -> bool:
    size = min(desired, new.replicas) if new.replicas >= desired else new_size(sets, new, desired, surge)
    return size != new.replicas and new.scale(size, desired, surge)  # scaleReplicaSetAndRecordEvent: sizes only


def _reconcile_old(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int, unavailable: int) -> bool:
    old = sorted((rs for rs in sets if rs is not new and rs.replicas), key=lambda rs: rs.created)
    least = desired - unavailable  # minAvailable
    most = sum(rs.replicas for rs in sets) - least - (new.replicas - new.available)  # maxScaledDown
    if not old or most <= 0:
        return False
    cleaned = 0
    for rs in old:  # cleanupUnhealthyReplicas: they add nothing to availability
        count = min(most - cleaned, rs.replicas - rs.available)
        if count > 0:
            rs.scale(rs.replicas - count, desired, surge)
            cleaned += count
    surplus, scaled = sum(rs.available for rs in sets) - least, 0
    for rs in old:  # scaleDownOldReplicaSetsForRollingUpdate
        count = max(0, min(rs.replicas, surplus - scaled))
        if count > 0:
            rs.scale(rs.replicas - count, desired, surge)
            scaled += count
    return cleaned + scaled > 0


def step(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int, unavailable: int) -> bool:
    """One sync's scaling (rolloutRolling): the new ReplicaSet up if it can, else the old ones down."""
    return _reconcile_new(sets, new, desired, surge) or _reconcile_old(sets, new, desired, surge, unavailable)


def adds_pods(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int, unavailable: int) -> bool:
    """Whether the syncs would ask the new ReplicaSet for more pods (the ones a full quota refuses)."""
    trial = copy.deepcopy(sets)
    index = sets.index(new)
    while step(trial, trial[index], desired, surge, unavailable) | any([rs.settle() for rs in trial]):
        pass
    return trial[index].replicas > new.pods
