"""ReplicaSets as the API serves them (apps/v1, GET and LIST), drawn from the fake controller's own (replica_sets.py).

The deployment controller names each after its Deployment and its pod template's hash, adds `pod-template-hash` to
its labels, selector and template, owns it by a controller reference and annotates it: the Deployment's annotations
(copyDeploymentAnnotationsToReplicaSet, at each sync while it is the newest, all but annotationsToSkip), desired- and
max-replicas (SetReplicasAnnotations), its revision and, once a later revision reused it, the ones it had before
(SetNewReplicaSetAnnotations). No WATCH and no writes: Greenlight makes none.
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from tests.fake_k8s.replica_sets import ReplicaSet, ReplicaSets, replica_set_name
from tests.fake_k8s.resources import DEPLOYMENTS
from tests.fake_k8s.status import ApiStatus, not_found
from tests.fake_k8s.store import Store, matches
from tests.fake_k8s.watching import GO_TRUE

Obj = dict[str, Any]
NOTE = "deployment.kubernetes.io/"
SKIPPED = {"kubectl.kubernetes.io/last-applied-configuration", f"{NOTE}revision", f"{NOTE}revision-history",
           f"{NOTE}desired-replicas", f"{NOTE}max-replicas", "deprecated.deployment.rollback.to"}


def _copied(deployment: Obj) -> dict[str, str]:
    return {k: v for k, v in (deployment["metadata"].get("annotations") or {}).items() if k not in SKIPPED}


def hand_over(sets: list[ReplicaSet], previous: Obj | None) -> None:
    """A change of the Deployment: the newest ReplicaSet so far keeps its annotations as the last sync before the
    change copied them, those of the Deployment before it."""
    if sets and previous is not None:
        sets[-1].notes.update(_copied(previous))


def _served(rs: ReplicaSet, deployment: Obj, newest: bool) -> Obj:
    meta, template_hash = deployment["metadata"], rs.name.rsplit("-", 1)[1]
    template = copy.deepcopy(rs.template)
    labels = {**(template.setdefault("metadata", {}).get("labels") or {}), "pod-template-hash": template_hash}
    template["metadata"]["labels"] = labels
    selector = copy.deepcopy(deployment["spec"]["selector"])
    selector.setdefault("matchLabels", {})["pod-template-hash"] = template_hash
    notes = {**rs.notes, **(_copied(deployment) if newest else {}), f"{NOTE}revision": str(rs.revision)}
    if rs.desired_note is not None:
        notes |= {f"{NOTE}desired-replicas": str(rs.desired_note), f"{NOTE}max-replicas": str(rs.max_note)}
    if rs.history:
        notes[f"{NOTE}revision-history"] = ",".join(rs.history)
    counts = {"fullyLabeledReplicas": rs.pods, "readyReplicas": rs.available, "availableReplicas": rs.available}
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": rs.name, "namespace": meta["namespace"], "uid": rs.uid, "generation": 1,
                     "creationTimestamp": rs.created_at, "labels": labels, "annotations": notes,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"],
                                          "uid": meta["uid"], "controller": True, "blockOwnerDeletion": True}]},
        "spec": {"replicas": rs.replicas, "selector": selector, "template": template},
        # `replicas` is always sent; the other counts are omitempty.
        "status": {"replicas": rs.pods, **{k: v for k, v in counts.items() if v}, "observedGeneration": 1},
    }


def replica_sets_of(store: Store, replica_sets: ReplicaSets, namespace: str) -> list[Obj]:
    served = []
    for deployment in store.items(DEPLOYMENTS, namespace):
        meta = deployment["metadata"]
        sets = replica_sets.of((namespace, meta["name"]))
        current = replica_set_name(meta["name"], deployment["spec"]["template"])
        served += [_served(rs, deployment, rs is sets[-1] and rs.name == current) for rs in sets if rs.template]
    for obj in served:
        obj["metadata"]["resourceVersion"] = str(store.version)
    return sorted(served, key=lambda obj: str(obj["metadata"]["name"]))


def serve_replica_sets(request: web.Request, store: Store, replica_sets: ReplicaSets) -> web.Response:
    if request.method != "GET" or request.query.get("watch", "") in GO_TRUE:
        raise ApiStatus(405, "the fake API server serves ReplicaSets to GET and LIST only")
    items = replica_sets_of(store, replica_sets, request.match_info["namespace"])
    if (name := request.match_info.get("name")) is not None:
        found = next((obj for obj in items if obj["metadata"]["name"] == name), None)
        if found is None:
            raise not_found("replicasets", "apps", name)
        return web.json_response(found)
    items = [obj for obj in items if matches(obj, request.query.get("labelSelector"),
                                             request.query.get("fieldSelector"))]
    return web.json_response({"kind": "ReplicaSetList", "apiVersion": "apps/v1",
                              "metadata": {"resourceVersion": str(store.version)}, "items": items})
