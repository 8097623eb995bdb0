"""Object semantics of the fake API server: create, update (PUT and PATCH), delete, status writes.

resourceVersion from one global counter, uid and creationTimestamp on create, generation bumped on
spec changes only, server-managed fields and status kept from the stored object, resourceVersion
preconditions (409 Conflict), defaulting, and validation (422 Invalid) before anything is stored.
"""

from __future__ import annotations

from tests.fake_k8s.resources import DEPLOYMENTS, NAMESPACES, SECRETS, SERVICES, Kind, apply_defaults, validate
from tests.fake_k8s.rollouts import Rollouts
from tests.fake_k8s.status import ApiStatus, already_exists, conflict, not_found
from tests.fake_k8s.store import Obj, Store

REVISION = "deployment.kubernetes.io/revision"


class Objects:
    def __init__(self, store: Store, rollout_delay: float) -> None:
        self.store = store
        self.rollouts = Rollouts(rollout_delay, self.write_status, lambda ns, name: store.get(SECRETS, ns, name))
        self._next_ip = 10

    def require(self, kind: Kind, namespace: str, name: str) -> Obj:
        obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise not_found(kind.plural, kind.group, name)
        return obj

    def create(self, kind: Kind, namespace: str, body: Obj) -> Obj:
        meta = body.setdefault("metadata", {})
        name = meta.get("name") or ""
        if kind.namespaced:
            if meta.setdefault("namespace", namespace) != namespace:
                raise ApiStatus(400, "the namespace of the provided object does not match the namespace "
                                     "sent on the request")
            if self.store.get(NAMESPACES, "", namespace) is None:
                raise not_found("namespaces", "", namespace)
        if body.get("kind") != kind.kind or body.get("apiVersion") != kind.api_version:
            raise ApiStatus(400, f"the API version in the data ({body.get('apiVersion')}) does not match the "
                                 f"expected API version ({kind.api_version}) or kind is not {kind.kind}")
        if self.store.get(kind, namespace, name) is not None:
            raise already_exists(kind.plural, kind.group, name)
        for server_field in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
            meta.pop(server_field, None)
        body.pop("status", None)
        if kind is DEPLOYMENTS:
            meta["generation"] = 1
        apply_defaults(kind, body, self._cluster_ip())
        validate(kind, body, None)
        stored = self.store.put(kind, body, "ADDED")
        if kind is DEPLOYMENTS:
            self.rollouts.start(stored, None)
        return stored

    def update(self, kind: Kind, namespace: str, name: str, body: Obj, current: Obj | None) -> Obj:
        """PUT (current None: read here) and PATCH (current: the object the patch was applied to)."""
        current = current or self.require(kind, namespace, name)
        meta = body.setdefault("metadata", {})
        if meta.get("name", name) != name or meta.get("namespace", namespace) != namespace:
            raise ApiStatus(400, "the name or namespace of the object does not match the request")
        wanted = meta.get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise conflict(kind.plural, kind.group, name)
        body["kind"], body["apiVersion"] = kind.kind, kind.api_version
        kept = ("uid", "creationTimestamp", "generation", "resourceVersion", "namespace", "name")
        for server_field in kept:
            if server_field in current["metadata"]:
                meta[server_field] = current["metadata"][server_field]
        if "status" in current:
            body["status"] = current["status"]  # status is the controller's; clients write it via /status
        apply_defaults(kind, body, current.get("spec", {}).get("clusterIP", ""))
        if body == current:
            return current  # a no-op write changes nothing, not even the resourceVersion
        spec_changed = body.get("spec") != current.get("spec")
        if kind is DEPLOYMENTS and spec_changed:
            meta["generation"] = int(current["metadata"]["generation"]) + 1
        validate(kind, body, current)
        stored = self.store.put(kind, body, "MODIFIED")
        if kind is DEPLOYMENTS and spec_changed:
            self.rollouts.start(stored, current)
        return stored

    def delete(self, kind: Kind, namespace: str, name: str) -> Obj:
        self.require(kind, namespace, name)
        if kind is NAMESPACES:
            for member_kind in (DEPLOYMENTS, SERVICES, SECRETS):
                for obj in self.store.items(member_kind, name):
                    self.delete(member_kind, name, obj["metadata"]["name"])
            return self.store.delete(kind, "", name)
        if kind is DEPLOYMENTS:
            self.rollouts.forget(namespace, name)
        return self.store.delete(kind, namespace, name)

    def write_status(self, namespace: str, name: str, status: Obj, revision: str | None) -> None:
        """The controller's status write; `revision`: the revision annotation it sets with it (None: unchanged)."""
        obj = self.store.get(DEPLOYMENTS, namespace, name)
        if obj is None:
            return
        annotations = obj["metadata"].setdefault("annotations", {})
        if obj.get("status") != status or (revision is not None and annotations.get(REVISION) != revision):
            obj["status"] = status
            if revision is not None:
                annotations[REVISION] = revision
            self.store.put(DEPLOYMENTS, obj, "MODIFIED")

    def _cluster_ip(self) -> str:
        self._next_ip += 1
        return f"10.96.{self._next_ip // 250}.{self._next_ip % 250 + 1}"
