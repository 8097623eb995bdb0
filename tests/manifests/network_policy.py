"""What NetworkPolicies let a pod send, read the way the Kubernetes API defines it: a pod no Egress policy
selects may go anywhere; a selected one only where some rule of some selecting policy allows (rules add up).
Enough of the API for k8s/: label selectors, namespace/pod selectors, ipBlock with `except`, TCP/UDP ports."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Pod:
    """A destination inside the cluster."""

    namespace: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Address:
    """A destination outside the cluster."""

    ip: str


Destination = Pod | Address


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if not {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]:
            return False
    return True


class EgressPolicies:
    def __init__(self, policies: list[Obj], namespaces: list[Obj]) -> None:
        self.policies = [p for p in policies if "Egress" in p["spec"].get("policyTypes", [])]
        self.namespace_labels = {
            ns["metadata"]["name"]: {**ns["metadata"].get("labels", {}),
                                     "kubernetes.io/metadata.name": ns["metadata"]["name"]}
            for ns in namespaces
        }

    def allows(self, source: Pod, destination: Destination, port: int, protocol: str = "TCP") -> bool:
        selecting = [p for p in self.policies if p["metadata"]["namespace"] == source.namespace
                     and selects(p["spec"]["podSelector"], source.labels)]
        if not selecting:
            return True
        return any(
            self._port_matches(rule.get("ports"), port, protocol)
            and self._peer_matches(policy["metadata"]["namespace"], rule.get("to"), destination)
            for policy in selecting for rule in policy["spec"].get("egress", [])
        )

    @staticmethod
    def _port_matches(ports: list[Obj] | None, port: int, protocol: str) -> bool:
        if not ports:
            return True
        return any(p.get("protocol", "TCP") == protocol and p.get("port") in (None, port) for p in ports)

    def _peer_matches(self, namespace: str, peers: list[Obj] | None, destination: Destination) -> bool:
        if not peers:
            return True
        return any(self._one_peer(namespace, peer, destination) for peer in peers)

    def _one_peer(self, namespace: str, peer: Obj, destination: Destination) -> bool:
        if "ipBlock" in peer:
            if not isinstance(destination, Address):
                return False  # in-cluster pods are matched by selectors here, as CNIs like Cilium do
            ip = ipaddress.ip_address(destination.ip)
            block = ipaddress.ip_network(peer["ipBlock"]["cidr"])
            excepted = [ipaddress.ip_network(c) for c in peer["ipBlock"].get("except", [])]
            return ip.version == block.version and ip in block and not any(
                ip.version == e.version and ip in e for e in excepted)
        if not isinstance(destination, Pod):
            return False
        if "namespaceSelector" in peer:
            labels = self.namespace_labels.get(destination.namespace,
                                               {"kubernetes.io/metadata.name": destination.namespace})
            if not selects(peer["namespaceSelector"], labels):
                return False
        elif destination.namespace != namespace:
            return False
        return selects(peer.get("podSelector", {}), destination.labels)
