"""The ReplicaSets a Deployment keeps, and their pods, as kube-controller-manager's deployment controller keeps them.

Each pod template gets a ReplicaSet named after the template's hash, and pods belong to a ReplicaSet, not to the
Deployment: a change back to a template whose ReplicaSet still has pods (a rollback midway through a rollout) scales
THAT ReplicaSet up, and its pods count as updated at once. A finished rollout has scaled the old ones to zero; it keeps
`revisionHistoryLimit` of them (cleanupDeployment, once the rollout is complete: the oldest revisions beyond the limit
go, never one with pods).

A ReplicaSet's size (`replicas`, its spec) is what the deployment controller sets; its pods (`pods`, its
status.replicas) follow when the ReplicaSet controller has acted (`settle`), and the Deployment's status counts pods,
not sizes (calculateStatus): a status written in the sync that scaled shows the pods from before.

A change back to a template whose ReplicaSet is still kept reuses it, and getNewReplicaSet sets a Progressing condition
only when it creates one (FoundNewReplicaSet only where there is none at all): the Deployment keeps the condition its
previous rollout left, even a ProgressDeadlineExceeded, through the syncs before the reused ReplicaSet's first pods
(syncRolloutStatus sees no progress, and a timed-out condition is left as it is) and goes True at the next progress.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.fake_k8s.store import now

Obj = dict[str, Any]
Key = tuple[str, str]  # namespace, name
HISTORY_CHARS = 2000  # the deployment controller's maxRevHistoryLengthInChars


def replica_set_name(deployment: str, template: Obj) -> str:
    return f"{deployment}-{hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]}"


@dataclass
class ReplicaSet:
    name: str
    created: int  # creation order: the controller scales old ReplicaSets down oldest first
    replicas: int = 0  # its size: spec.replicas
    pods: int = 0  # its pods: status.replicas, `replicas` once the ReplicaSet controller acted (settle)
    available: int = 0  # of them available (the fake's ready pods are available at once: minReadySeconds 0)
    never_ready: bool = False  # its template's pods never become available (pod_start.py)
    # deployment.kubernetes.io/desired-replicas and max-replicas, set whenever the controller scales it
    # (SetReplicasAnnotations): the Deployment's replicas, and those plus maxSurge, at the time.
    desired_note: int | None = None
    max_note: int | None = None
    revision: int = 0  # deployment.kubernetes.io/revision (0: none yet)
    history: list[str] = field(default_factory=list)  # deployment.kubernetes.io/revision-history, oldest first
    # What the API serves of it (replica_set_view.py): its pod template, the Deployment's annotations copied onto it
    # while it was the newest (copyDeploymentAnnotationsToReplicaSet), its identity.
    template: Obj = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(default_factory=now)

    def scale(self, replicas: int, desired: int, surge: int) -> bool:
        """scaleReplicaSet: the new size and the annotations; whether anything changed."""
        changed = (self.replicas, self.desired_note, self.max_note) != (replicas, desired, desired + surge)
        self.replicas, self.desired_note, self.max_note = replicas, desired, desired + surge
        return changed

    def settle(self) -> bool:
        """The ReplicaSet controller: pods created or deleted to the size, unready ones deleted first (ActivePods'
        order). Whether anything changed (an update of the ReplicaSet's status: the Deployment is synced again)."""
        changed = self.pods != self.replicas
        self.pods = self.replicas
        self.available = min(self.available, self.pods)
        return changed


class ReplicaSets:
    def __init__(self) -> None:
        self._kept: dict[Key, list[ReplicaSet]] = {}  # by revision, oldest first: the last is the current template's
        self._creations = itertools.count()

    def of(self, key: Key) -> list[ReplicaSet]:
        return self._kept.setdefault(key, [])

    def find(self, key: Key, name: str) -> ReplicaSet | None:
        return next((each for each in self.of(key) if each.name == name), None)

    def adopt(self, key: Key, name: str, *, create: bool = True) -> tuple[ReplicaSet | None, bool]:
        """The template's ReplicaSet made the newest revision, and whether it existed already; none if it did not and
        `create` is false (a paused Deployment gets no new ReplicaSet)."""
        kept = self.of(key)
        found = self.find(key, name)
        if found is None and not create:
            return None, False
        if found is not None:
            kept.remove(found)
        kept.append(found or ReplicaSet(name, next(self._creations)))
        return kept[-1], found is not None

    def sync_revision(self, key: Key, new: ReplicaSet) -> None:
        """getNewReplicaSet with SetNewReplicaSetAnnotations: the current template's ReplicaSet takes MaxRevision of
        the others plus one unless its own is that high already; one that had a revision (a template used before,
        its ReplicaSet reused) keeps the earlier one in its history, at most maxRevHistoryLengthInChars of it."""
        newest = max((rs.revision for rs in self.of(key) if rs is not new), default=0) + 1
        if new.revision >= newest:
            return
        if new.revision:
            new.history.append(str(new.revision))
            while len(",".join(new.history)) > HISTORY_CHARS:
                new.history.pop(0)
        new.revision = newest

    def clean_up(self, key: Key, history_limit: int) -> None:
        kept = self.of(key)
        old = kept[:-1]
        for each in old[:max(0, len(old) - history_limit)]:
            if each.replicas == 0:
                kept.remove(each)

    def forget(self, key: Key) -> None:
        self._kept.pop(key, None)


def settle(sets: list[ReplicaSet]) -> bool:
    """Every ReplicaSet's pods to its size; whether any changed."""
    return any([rs.settle() for rs in sets])  # a list: any() over a generator would stop at the first


def starting(sets: list[ReplicaSet]) -> bool:
    """Whether pods are starting that will become available (not a bad image's)."""
    return any(rs.pods > rs.available and not rs.never_ready for rs in sets)


def start(sets: list[ReplicaSet]) -> None:
    for rs in sets:
        rs.available = rs.available if rs.never_ready else rs.pods
