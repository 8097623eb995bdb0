"""The kinds the fake serves: their defaults, and validation against kubernetes-validate's strict schemas."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from kubernetes_validate.utils import latest_version, schema_contents

from tests.fake_k8s.status import invalid
from tests.fake_k8s.strategy import default_strategy, strategy_errors

Obj = dict[str, Any]
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


DEPLOYMENTS = Kind("apps", "v1", "deployments", "Deployment")
SERVICES = Kind("", "v1", "services", "Service")
SECRETS = Kind("", "v1", "secrets", "Secret")
NAMESPACES = Kind("", "v1", "namespaces", "Namespace", namespaced=False)
REPLICA_SETS = Kind("apps", "v1", "replicasets", "ReplicaSet")  # read-only: replica_set_view.py
KINDS = {k.plural: k for k in (DEPLOYMENTS, SERVICES, SECRETS, NAMESPACES, REPLICA_SETS)}


@functools.cache
def _validator(kind: Kind) -> jsonschema_rs.Validator:
    """kubernetes-validate's strict schema for the kind, its definitions inlined, compiled once.

    jsonschema-rs rather than jsonschema: microseconds per object instead of milliseconds, which
    keeps the fake out of the switch latency the benchmark measures.
    """
    version = latest_version()
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    group = kind.group.split(".")[0]
    file = f"{kind.kind.lower()}-{group + '-' if group else ''}{kind.version}.json"
    text = json.dumps(schema_contents(f"{folder}/{file}", version))
    schema = json.loads(text.replace('"/api/_definitions.json#/$defs/', '"#/$defs/'))
    schema["$defs"] = schema_contents(f"{folder}/_definitions.json", version)["$defs"]
    return jsonschema_rs.validator_for(schema)


def validate(kind: Kind, obj: Obj, old: Obj | None) -> None:
    """Schema errors and the semantic checks the API server adds for these kinds, as one 422."""
    name = obj.get("metadata", {}).get("name", "")
    causes = [(".".join(map(str, e.instance_path)) or "<root>", e.message)
              for e in _validator(kind).iter_errors(obj)]
    if not causes:
        causes = _semantic(kind, obj, old)
    if causes:
        raise invalid(kind.kind, kind.group, name, causes)


def _semantic(kind: Kind, obj: Obj, old: Obj | None) -> list[tuple[str, str]]:
    causes: list[tuple[str, str]] = []
    meta = obj["metadata"]
    if not DNS1123_SUBDOMAIN.match(meta.get("name", "")) or len(meta["name"]) > 253:
        causes.append(("metadata.name", f"Invalid value: {meta.get('name')!r}: an RFC 1123 subdomain"))
    for value in (meta.get("labels") or {}).values():
        if not LABEL_VALUE.match(value) or len(value) > 63:
            causes.append(("metadata.labels", f"Invalid value: {value!r}: a valid label value"))
    if kind is DEPLOYMENTS:
        spec = obj["spec"]
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = spec["template"].get("metadata", {}).get("labels") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            causes.append(("spec.template.metadata.labels",
                           "Invalid value: selector does not match template labels"))
        if old is not None and old["spec"].get("selector") != spec.get("selector"):
            causes.append(("spec.selector", "Invalid value: field is immutable"))
        if spec.get("replicas", 1) < 0:
            causes.append(("spec.replicas", "Invalid value: must be greater than or equal to 0"))
        causes += strategy_errors(spec)
        containers = spec["template"]["spec"].get("containers") or []
        if not containers:
            causes.append(("spec.template.spec.containers", "Required value"))
        for i, container in enumerate(containers):
            if not DNS1123_LABEL.match(container.get("name", "")):
                causes.append((f"spec.template.spec.containers[{i}].name", "Invalid value: a DNS-1123 label"))
            if not container.get("image"):
                causes.append((f"spec.template.spec.containers[{i}].image", "Required value"))
    if kind is SERVICES:
        spec = obj["spec"]
        if not DNS1035_LABEL.match(meta.get("name", "")):  # a Service's name becomes a DNS label of its own
            causes.append(("metadata.name", f"Invalid value: {meta.get('name')!r}: a DNS-1035 label must consist "
                                            "of lower case alphanumeric characters or '-', start with an alphabetic "
                                            "character, and end with an alphanumeric character"))
        if spec.get("type", "ClusterIP") == "ClusterIP" and not spec.get("ports"):
            causes.append(("spec.ports", "Required value"))
        for value in (spec.get("selector") or {}).values():
            if not LABEL_VALUE.match(value):
                causes.append(("spec.selector", f"Invalid value: {value!r}: a valid label value"))
        if old is not None and old["spec"].get("clusterIP") != spec.get("clusterIP"):
            causes.append(("spec.clusterIP", "Invalid value: field is immutable"))
    return causes


def apply_defaults(kind: Kind, obj: Obj, cluster_ip: str) -> None:
    """The defaulting the API server does on write, for the fields a reader might look at."""
    if kind is SECRETS:
        obj.setdefault("type", "Opaque")
        return
    spec = obj.setdefault("spec", {}) if kind is not NAMESPACES else {}
    if kind is DEPLOYMENTS:
        spec.setdefault("replicas", 1)
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault("revisionHistoryLimit", 10)
        default_strategy(spec)
        pod = spec.get("template", {}).get("spec", {})
        pod.setdefault("restartPolicy", "Always")
        pod.setdefault("dnsPolicy", "ClusterFirst")
        pod.setdefault("enableServiceLinks", True)  # SetDefaults_PodSpec: the kubelet's docker-links variables on
        for container in pod.get("containers") or []:
            container.setdefault("imagePullPolicy", "IfNotPresent")
            for port in container.get("ports") or []:
                port.setdefault("protocol", "TCP")
    elif kind is SERVICES:
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        spec.setdefault("clusterIP", cluster_ip)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif kind is NAMESPACES:
        obj.setdefault("spec", {"finalizers": ["kubernetes"]})
        obj["status"] = {"phase": "Active"}
