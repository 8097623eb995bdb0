"""The deployment controller's rolling-update arithmetic (kube's pkg/controller/deployment/rolling.go), per ReplicaSet.

A rollout is a sequence of syncs: reconcileNewReplicaSet scales the new ReplicaSet up as far as `maxSurge` lets the
pods of all of them exceed the desired count (NewRSNewReplicas); else reconcileOldReplicaSets scales the old ones down,
oldest first, their unavailable pods first (cleanupUnhealthyReplicas), then available ones as far as `maxUnavailable`
lets availability drop (scaleDownOldReplicaSetsForRollingUpdate). The Deployment's status sums the ReplicaSets
(calculateStatus): `replicas` and the available counts include the old templates' pods, `updatedReplicas` is the new
ReplicaSet's alone. With Greenlight's strategy (maxSurge 25 %, maxUnavailable 0) two replicas over two old ones go
3 pods / 1 updated / 2 available, then 3 / 2 / 2 (one new pod available, one old left), then 2 / 2 / 2.
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
    """calculateStatus: the ReplicaSets summed; the fake's pods are ready exactly when available."""
    replicas, available = sum(rs.replicas for rs in sets), sum(rs.available for rs in sets)
    return {"replicas": replicas, "updatedReplicas": new.replicas if new else 0, "readyReplicas": available,
            "availableReplicas": available, "unavailableReplicas": replicas - available}


def complete(status: Obj, desired: int) -> bool:
    """DeploymentComplete: every desired pod updated and available, no old one left."""
    return status["updatedReplicas"] == status["replicas"] == status["availableReplicas"] == desired


def _reconcile_new(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int) -> bool:
    if new.replicas >= desired:
        scaled = new.replicas > desired
        new.scale(desired)
        return scaled
    room = desired + surge - sum(rs.replicas for rs in sets)
    if room <= 0:
        return False
    new.scale(new.replicas + min(room, desired - new.replicas))
    return True


def _reconcile_old(sets: list[ReplicaSet], new: ReplicaSet, desired: int, unavailable: int) -> bool:
    old = sorted((rs for rs in sets if rs is not new and rs.replicas), key=lambda rs: rs.created)
    least = desired - unavailable  # minAvailable
    most = sum(rs.replicas for rs in sets) - least - (new.replicas - new.available)  # maxScaledDown
    if not old or most <= 0:
        return False
    cleaned = 0
    for rs in old:  # cleanupUnhealthyReplicas: they add nothing to availability
        count = min(most - cleaned, rs.replicas - rs.available)
        rs.scale(rs.replicas - count)
        cleaned += count
    surplus, scaled = sum(rs.available for rs in sets) - least, 0
    for rs in old:  # scaleDownOldReplicaSetsForRollingUpdate
        count = max(0, min(rs.replicas, surplus - scaled))
        rs.scale(rs.replicas - count)
        scaled += count
    return cleaned + scaled > 0


def sync(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int, unavailable: int) -> None:
    """The controller's syncs once the pods that started became available (rolloutRolling: scale the new ReplicaSet up
    if it can, else the old ones down), repeated until nothing changes."""
    while _reconcile_new(sets, new, desired, surge) or _reconcile_old(sets, new, desired, unavailable):
        pass


def adds_pods(sets: list[ReplicaSet], new: ReplicaSet, desired: int, surge: int, unavailable: int) -> bool:
    """Whether the syncs would ask the new ReplicaSet for more pods (the ones a full quota refuses)."""
    trial = copy.deepcopy(sets)
    sync(trial, trial[sets.index(new)], desired, surge, unavailable)
    return trial[sets.index(new)].replicas > new.replicas
