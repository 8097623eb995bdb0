"""Reading Greenlight's view (colours, marks, readiness) off Deployment and Service objects."""

from __future__ import annotations

from typing import Any

from services.shared.kube.templates import (
    COMMIT,
    CONTAINER,
    MANAGED_BY,
    RELEASE_ID,
    STATE,
    SUPERSEDED_TIMEOUT,
    greenlights,
)
from services.shared.platform import ColourState, ColourStatus, PlatformError
from services.shared.release import Colour

Obj = dict[str, Any]


def annotations_of(obj: Obj) -> dict[str, str]:
    return obj.get("metadata", {}).get("annotations") or {}


def refuse_unless_greenlights(kind: str, obj: Obj) -> None:
    """An object of an app's name that Greenlight did not make (an app named like another team's Deployment or
    Service) is not written over: Greenlight labels whatever it makes, and so do the bootstrap manifests (k8s/apps/)."""
    if not greenlights(obj.get("metadata", {}).get("labels") or {}):
        label = ", ".join(f"{key}={value}" for key, value in MANAGED_BY.items())
        raise PlatformError(f"{kind} {obj['metadata'].get('name')} exists and is not Greenlight's (it lacks the label "
                            f"{label}): name the app otherwise, or label the {kind} to hand it to Greenlight")


def selected_colour(service: Obj | None) -> Colour | None:
    role = ((service or {}).get("spec") or {}).get("selector", {}).get("role")
    return Colour(role) if role in (Colour.BLUE.value, Colour.GREEN.value) else None


def image_of(deployment: Obj) -> str | None:
    containers = deployment["spec"]["template"]["spec"].get("containers") or []
    chosen = next((c for c in containers if c.get("name") == CONTAINER), containers[0] if containers else {})
    image = chosen.get("image")
    return str(image) if image else None


def status_of(deployment: Obj) -> ColourStatus | None:
    try:
        return ColourStatus(annotations_of(deployment).get(STATE, ""))
    except ValueError:
        return None  # unmarked, or marked by a newer Greenlight: not ours to interpret


def rollout_done(deployment: Obj) -> bool:
    """The API's own definition: current generation observed, every desired replica updated and available."""
    spec, status = deployment.get("spec", {}), deployment.get("status") or {}
    desired = int(spec.get("replicas", 1))
    return (
        int(status.get("observedGeneration", 0)) >= int(deployment["metadata"].get("generation", 0))
        and int(status.get("updatedReplicas", 0)) == desired
        and int(status.get("availableReplicas", 0)) == desired
        and int(status.get("replicas", 0)) == desired
    )


def updated_available(deployment: Obj) -> int:
    """Replicas of the current template available, as far as the Deployment's status tells (kubectl's rollout status
    reads the same fields): its counts sum every ReplicaSet, so the old template's pods (`replicas` -
    `updatedReplicas`, all taken as available: a lower bound) are taken off the available ones. Nothing of a
    generation the controller has not observed yet: its counts are of the template before."""
    spec, status = deployment.get("spec", {}), deployment.get("status") or {}
    if int(status.get("observedGeneration", 0)) < int(deployment["metadata"].get("generation", 0)):
        return 0
    updated = int(status.get("updatedReplicas", 0))
    old = max(0, int(status.get("replicas", 0)) - updated)
    return max(0, min(updated, int(status.get("availableReplicas", 0)) - old, int(spec.get("replicas", 1))))


def _timed_out(deployment: Obj) -> list[Obj]:
    conditions = (deployment.get("status") or {}).get("conditions") or []
    return [c for c in conditions if c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded"]


def timeout_to_supersede(deployment: Obj) -> str | None:
    """The lastUpdateTime of the timeout a deploy is about to write over (None: none), for SUPERSEDED_TIMEOUT."""
    return next((str(c["lastUpdateTime"]) for c in _timed_out(deployment) if c.get("lastUpdateTime")), None)


def rollout_failure(deployment: Obj) -> str | None:
    """The controller's reason this rollout cannot finish, once it has observed the current generation.

    Only the progress deadline, as for `kubectl rollout status`: `ReplicaFailure` (pods refused by a full quota or a
    webhook) is the ReplicaSet's last try, and its controller tries again; it is named as what held the rollout up.
    Not a timeout that stood already when the deploy wrote the Deployment: an earlier rollout's, kept until this one's
    first progress (a fresh timeout has a later lastUpdateTime: the deadline counts from this rollout's progress).
    """
    status = deployment.get("status") or {}
    if int(status.get("observedGeneration", 0)) < int(deployment["metadata"].get("generation", 0)):
        return None
    conditions = status.get("conditions") or []
    superseded = annotations_of(deployment).get(SUPERSEDED_TIMEOUT)
    stuck = [c for c in _timed_out(deployment) if not superseded or c.get("lastUpdateTime") != superseded]
    refused = [c for c in conditions if c.get("type") == "ReplicaFailure" and c.get("status") == "True"]
    return "; ".join(f"{c.get('reason')}: {c.get('message', '')}".strip() for c in stuck + refused) if stuck else None


def describe(deployment: Obj | None) -> str:
    if deployment is None:
        return "the Deployment does not exist"
    spec, status = deployment.get("spec", {}), deployment.get("status") or {}
    conditions = "; ".join(f"{c.get('type')}={c.get('status')} {c.get('reason', '')}: {c.get('message', '')}"
                           for c in status.get("conditions") or [])
    return (f"{status.get('updatedReplicas', 0)} updated, {status.get('availableReplicas', 0)} available of "
            f"{spec.get('replicas', 1)} desired" + (f" ({conditions})" if conditions else ""))


def colour_state(colour: Colour, deployment: Obj) -> ColourState:
    marks = annotations_of(deployment)
    return ColourState(
        colour=colour, release_id=marks.get(RELEASE_ID), commit=marks.get(COMMIT),
        image=image_of(deployment), status=status_of(deployment),
        replicas=int(deployment.get("spec", {}).get("replicas", 1)), ready=rollout_done(deployment),
        ready_replicas=int((deployment.get("status") or {}).get("readyReplicas") or 0),
        updated_ready=updated_available(deployment),
    )
