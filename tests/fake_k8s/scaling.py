"""A Deployment's replicas changed under it: the deployment controller's scaling event (deployment/sync.go).

isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from the Deployment's replicas. Then `sync`
runs instead of the rollout: `scale` sets the one active ReplicaSet (or, with none, the newest) to the new count; with a
saturated new ReplicaSet it scales the old ones to zero; else, midway through a rolling update, it spreads the
difference between the new allowed size (replicas + maxSurge) and the ReplicaSets' sizes over the active ones in
proportion to their sizes (GetProportion: each its size times the new allowed size over the one its max-replicas
annotation recorded, rounded half away from zero), largest first, and what rounding leaves over goes to the first of
them: the largest, the newest of equals when scaling up, the oldest when scaling down. The status it writes
(syncDeploymentStatus) leaves the Progressing condition as it is.
"""

from __future__ import annotations

import math

from tests.fake_k8s.replica_sets import ReplicaSet


def _round(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))  # integer.RoundToInt32: Go's math.Round


def is_scaling_event(sets: list[ReplicaSet], desired: int) -> bool:
    return any(rs.desired_note is not None and rs.desired_note != desired for rs in sets if rs.replicas)


def _saturated(new: ReplicaSet | None, desired: int) -> bool:
    """IsSaturated: the new ReplicaSet at the full count, annotated so, every pod available."""
    return new is not None and new.replicas == desired and new.desired_note == desired and new.available == desired


def _proportion(rs: ReplicaSet, desired: int, allowed: int, to_add: int, added: int, shown: int) -> int:
    """GetProportion with getReplicaSetFraction; `shown`: the status' replicas, for a ReplicaSet with no annotation."""
    if rs.replicas == 0 or to_add == 0 or to_add == added:
        return 0
    if desired == 0:
        fraction = -rs.replicas
    else:
        before = rs.max_note or shown or rs.replicas  # never zero: the fake does not divide by it
        fraction = _round(rs.replicas * allowed / before) - rs.replicas
    return min(fraction, to_add - added) if to_add > 0 else max(fraction, to_add - added)


def scale(sets: list[ReplicaSet], new: ReplicaSet | None, desired: int, surge: int, rolling: bool,
          shown: int) -> None:
    """DeploymentController.scale; `sets` oldest first, `new` the current template's ReplicaSet if it exists."""
    active = [rs for rs in sets if rs.replicas]
    if len(active) <= 1:  # FindActiveOrLatest
        target = active[0] if active else (new or max(sets, key=lambda rs: rs.created, default=None))
        if target is not None and target.replicas != desired:
            target.scale(desired, desired, surge)
        return
    if _saturated(new, desired):
        for rs in active:
            if rs is not new:
                rs.scale(0, desired, surge)
        return
    if not rolling:
        return
    allowed = desired + surge if desired > 0 else 0
    to_add = allowed - sum(rs.replicas for rs in active)
    # ReplicaSetsBySizeNewer when adding, BySizeOlder when removing: the larger first, then the newer or the older.
    order = sorted(active, key=lambda rs: (-rs.replicas, -rs.created if to_add > 0 else rs.created))
    sizes, added = {}, 0
    for rs in order:
        proportion = _proportion(rs, desired, allowed, to_add, added, shown)
        sizes[rs.name], added = rs.replicas + proportion, added + proportion
    if to_add:
        sizes[order[0].name] = max(0, sizes[order[0].name] + to_add - added)
    for rs in order:
        rs.scale(sizes[rs.name], desired, surge)  # scaleReplicaSet: annotations too, even at the same size
