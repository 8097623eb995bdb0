"""The ReplicaSets a Deployment keeps, as kube-controller-manager's deployment controller names and keeps them.

Each pod template gets a ReplicaSet named after the template's hash. A finished rollout scales the old ones to zero and
keeps them, `revisionHistoryLimit` of them (cleanupDeployment deletes the oldest beyond that, never one with pods).
A change back to a template whose ReplicaSet is still kept reuses it, and getNewReplicaSet sets a Progressing condition
only when it creates one (FoundNewReplicaSet only where there is none at all): the Deployment keeps the condition its
previous rollout left, even a ProgressDeadlineExceeded, through the syncs before the reused ReplicaSet's first pods
(syncRolloutStatus sees no progress, and a timed-out condition is left as it is) and goes True at the next progress.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Obj = dict[str, Any]
Key = tuple[str, str]  # namespace, name


def replica_set_name(deployment: str, template: Obj) -> str:
    return f"{deployment}-{hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]}"


class ReplicaSets:
    def __init__(self) -> None:
        self._kept: dict[Key, list[str]] = {}  # oldest revision first; the last one is the current template's
        self._serving: dict[Key, str] = {}  # the last one whose rollout finished: the old pods of a later rollout

    def adopt(self, key: Key, name: str, history_limit: int) -> bool:
        """Makes `name` the current ReplicaSet (the newest revision); True if it was kept already, scaled to zero: an
        old one reused, with no pods of its own yet."""
        kept = self._kept.setdefault(key, [])
        reused_empty = name in kept[:-1] and name != self._serving.get(key)
        if name in kept:
            kept.remove(name)
        old = [each for each in kept if each != self._serving.get(key)]  # the ones with no pods
        for each in old[:max(0, len(kept) - history_limit)]:
            kept.remove(each)
        kept.append(name)
        return reused_empty

    def finished(self, key: Key, name: str) -> None:
        self._serving[key] = name

    def forget(self, key: Key) -> None:
        self._kept.pop(key, None)
        self._serving.pop(key, None)
