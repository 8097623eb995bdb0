"""A Deployment's status conditions in the order the deployment controller leaves them (deployment_util.go).

SetDeploymentCondition does nothing when the condition of that type has the same status and reason (a new message
included: the old one stays); otherwise it keeps lastTransitionTime if only the reason changed, filters the old
condition out (filterOutCondition) and appends the new one. So a condition is not replaced in place: the one that
changed last is listed last, and a reader may not count on `Available` coming first. syncRolloutStatus's progress
case removes the Progressing condition before setting it (RemoveDeploymentCondition), so that progress under the
same reason still refreshes lastUpdateTime: it moves to the end even then.
"""

from __future__ import annotations

from typing import Any

from tests.fake_k8s.store import now

Obj = dict[str, Any]


class Conditions:
    """The conditions the Deployment shows, changed as the controller changes them."""

    def __init__(self, shown: list[Obj] | None) -> None:
        self.listed: list[Obj] = list(shown or [])

    def get(self, kind: str) -> Obj | None:
        return next((c for c in self.listed if c.get("type") == kind), None)

    def set(self, fresh: Obj) -> None:
        """SetDeploymentCondition."""
        current = self.get(fresh["type"])
        if (kept := replace(current, fresh)) is not current:
            self.refresh(kept)

    def refresh(self, fresh: Obj) -> None:
        """syncRolloutStatus on progress: RemoveDeploymentCondition, then SetDeploymentCondition (the caller keeps
        lastTransitionTime of a True condition)."""
        self.remove(fresh["type"])
        self.listed.append(fresh)

    def remove(self, kind: str) -> None:
        """RemoveDeploymentCondition."""
        self.listed = [c for c in self.listed if c.get("type") != kind]


def condition(kind: str, status: str, reason: str, message: str) -> Obj:
    """NewDeploymentCondition; timestamps in whole seconds, as the API server serializes metav1.Time."""
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
    """The condition SetDeploymentCondition leaves of that type: the same status and reason leave it as it is; the
    same status keeps its lastTransitionTime."""
    if current is None or current["status"] != fresh["status"]:
        return fresh
    return current if current["reason"] == fresh["reason"] else {
        **fresh, "lastTransitionTime": current["lastTransitionTime"]}
