"""The deployment controller's rolling-update arithmetic (kube's pkg/controller/deployment/rolling.go), for the fake.

A rollout is a sequence of syncs: the new ReplicaSet scales up as far as `maxSurge` lets the total exceed the desired
count, the old ones scale down as far as `maxUnavailable` lets availability drop, and the Deployment's status sums
every ReplicaSet: `replicas` and the available counts include the old template's pods, `updatedReplicas` is the new
ReplicaSet's alone. With Greenlight's strategy (maxSurge 25 %, maxUnavailable 0) two replicas over two old ones go
3 pods / 1 updated / 2 available, then 3 / 2 / 2 (one new pod available, one old left), then 2 / 2 / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


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


@dataclass(frozen=True)
class Pods:
    old: int  # pods of earlier templates, all available (the fake's old pods never fail)
    new: int = 0  # pods of the current template
    ready: int = 0  # of them available

    def status_counts(self) -> Obj:
        available = self.old + self.ready
        return {"replicas": self.old + self.new, "updatedReplicas": self.new, "readyReplicas": available,
                "availableReplicas": available, "unavailableReplicas": self.old + self.new - available}

    def done(self, desired: int) -> bool:
        return self.old == 0 and self.new == self.ready == desired


def sync(pods: Pods, desired: int, surge: int, unavailable: int) -> Pods:
    """The controller's syncs once the pods that started became available: repeated until nothing changes."""
    while True:
        new = pods.new
        if new < desired:  # NewRSNewReplicas: up to desired + maxSurge pods in all
            new = min(desired, new + max(0, desired + surge - pods.old - pods.new))
        # scaleDownOldReplicaSetsForRollingUpdate: never below desired - maxUnavailable available pods
        removable = max(0, pods.old + pods.ready - (desired - unavailable))
        old = pods.old - min(pods.old, removable)
        if (old, new) == (pods.old, pods.new):
            return pods
        pods = Pods(old, new, min(pods.ready, new))
