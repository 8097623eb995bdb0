"""The notifier POSTs to URLs an admin chose, so its egress is narrowed: the broker, DNS, the database and
public addresses on 80/443 reach; the cluster's other pods, private and link-local addresses (the cloud's
metadata endpoint among them), the Kubernetes API and other ports do not."""

from __future__ import annotations

import copy

import pytest

from tests.manifests.network_policy import Address, Destination, EgressPolicies, Pod, selects
from tests.manifests.repo_files import Obj, applied_objects, named, of_kind, pod_template

DATABASE = Address("192.0.2.10")  # database-clients' placeholder address (test_k8s_database_egress checks it)


def notifier() -> Pod:
    deployment = named(applied_objects(), "Deployment", "greenlight-notifier")
    return Pod(deployment["metadata"]["namespace"], pod_template(deployment)["metadata"]["labels"])


def catch_all(objects: list[Obj]) -> Obj:
    """The greenlight namespace's allow-anything-but-the-database policy."""
    (policy,) = [p for p in of_kind(objects, "NetworkPolicy")
                 if p["metadata"]["name"] == "egress-except-database" and p["metadata"]["namespace"] == "greenlight"]
    return policy


def policies(objects: list[Obj]) -> EgressPolicies:
    return EgressPolicies(of_kind(objects, "NetworkPolicy"), of_kind(objects, "Namespace"))


@pytest.mark.parametrize(("destination", "port", "protocol"), [
    (Pod("greenlight", {"app.kubernetes.io/name": "rabbitmq"}), 5672, "TCP"),
    (Pod("kube-system", {"k8s-app": "kube-dns"}), 53, "UDP"),
    (Pod("kube-system", {"k8s-app": "kube-dns"}), 53, "TCP"),
    (DATABASE, 5432, "TCP"),
    (Address("203.0.113.7"), 443, "TCP"),  # a subscriber on the internet
    (Address("198.51.100.20"), 80, "TCP"),
    (Address("2001:db8::7"), 443, "TCP"),
], ids=["broker", "dns-udp", "dns-tcp", "database", "https", "http", "ipv6"])
def test_reaches_what_delivering_needs(destination: Destination, port: int, protocol: str) -> None:
    assert policies(applied_objects()).allows(notifier(), destination, port, protocol)


@pytest.mark.parametrize(("destination", "port"), [
    (Pod("greenlight", {"app.kubernetes.io/name": "rabbitmq"}), 15672),  # the management API
    (Pod("greenlight", {"app.kubernetes.io/name": "greenlight-approval"}), 8000),
    (Pod("greenlight-engine", {"app.kubernetes.io/name": "engine"}), 2375),
    (Pod("apps", {"app": "tmapp", "role": "blue"}), 8080),
    (Pod("kube-system", {"k8s-app": "kube-dns"}), 9153),
    (Address("169.254.169.254"), 80),  # the cloud's instance metadata (credentials)
    (Address("10.0.0.1"), 443),  # a Service or node address
    (Address("172.18.0.2"), 6443),  # the Kubernetes API server's endpoint
    (Address("192.168.1.1"), 80),
    (Address("100.64.0.1"), 443),
    (Address("fd00::1"), 443),
    (Address("fe80::1"), 80),
    (Address("203.0.113.7"), 22),
], ids=["rabbitmq-management", "approval", "engine", "app", "dns-metrics", "metadata", "10/8", "kube-api",
        "192.168/16", "cgnat", "ipv6-ula", "ipv6-link-local", "ssh"])
def test_reaches_nothing_else(destination: Destination, port: int) -> None:
    assert not policies(applied_objects()).allows(notifier(), destination, port)


def test_the_catch_all_egress_policy_leaves_the_notifier_out() -> None:
    # Guards the tests above: egress rules add up, so were the namespace's allow-all-but-the-database policy
    # to select the notifier too, its own policy would narrow nothing.
    objects = copy.deepcopy(applied_objects())
    catch_all(objects)["spec"]["podSelector"] = {}
    widened = policies(objects)
    assert widened.allows(notifier(), Address("169.254.169.254"), 80)
    assert widened.allows(notifier(), Pod("greenlight-engine", {"app.kubernetes.io/name": "engine"}), 2375)


def test_every_other_greenlight_pod_is_still_under_the_catch_all() -> None:
    objects = applied_objects()
    selector = catch_all(objects)["spec"]["podSelector"]
    left_out = [w["metadata"]["name"] for w in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet")
                if w["metadata"]["namespace"] == "greenlight"
                and not selects(selector, pod_template(w)["metadata"]["labels"])]
    assert left_out == ["greenlight-notifier"]
