"""The external database is reachable from approval, switcher and notifier only, on 5432 only: not from the
other services, the engine that runs repositories' builds, or any app pod. Everything else every pod needs (DNS,
RabbitMQ, the engine, registries, git hosts, the Kubernetes API) stays reachable, and the database's address
is the same in every policy that names it. (The notifier's narrower egress: test_k8s_notifier_egress.py.)"""

from __future__ import annotations

import copy
import ipaddress

import pytest

from tests.manifests.network_policy import Address, EgressPolicies, Pod
from tests.manifests.repo_files import Obj, applied_objects, named, of_kind, pod_template

READERS = {"greenlight-approval", "greenlight-switcher", "greenlight-notifier"}
# Its egress is narrowed to what delivering needs; test_k8s_notifier_egress.py says what it reaches.
NARROWED = {"greenlight-notifier"}
# A pod the deployer creates later for some other app: the apps namespace's policy covers it too.
RELEASED_APP = Pod("apps", {"app": "shop", "role": "green"})


def sources() -> dict[str, Pod]:
    objects = applied_objects()
    pods = {w["metadata"]["name"]: Pod(w["metadata"]["namespace"], pod_template(w)["metadata"]["labels"])
            for w in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet")}
    return {**pods, "released-app": RELEASED_APP}


def database_addresses(objects: list[Obj]) -> list[Address]:
    """The first and last address of the block database-clients names (the database, or its subnet)."""
    (rule,) = named(objects, "NetworkPolicy", "database-clients")["spec"]["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5432}]
    (peer,) = rule["to"]
    block = ipaddress.ip_network(peer["ipBlock"]["cidr"])
    return [Address(str(block.network_address)), Address(str(block.broadcast_address))]


def policies(objects: list[Obj]) -> EgressPolicies:
    return EgressPolicies(of_kind(objects, "NetworkPolicy"), of_kind(objects, "Namespace"))


def who_reaches_the_database(objects: list[Obj], port: int = 5432) -> set[str]:
    egress = policies(objects)
    return {name for name, pod in sources().items()
            if any(egress.allows(pod, address, port) for address in database_addresses(objects))}


def test_only_approval_switcher_and_notifier_reach_the_database() -> None:
    assert len(sources()) >= 8, sources()
    assert who_reaches_the_database(applied_objects()) == READERS


def test_not_even_they_reach_it_on_another_port() -> None:
    assert who_reaches_the_database(applied_objects(), port=22) == set()


@pytest.mark.parametrize(("destination", "port"), [
    (Pod("kube-system", {"k8s-app": "kube-dns"}), 53),
    (Pod("greenlight", {"app.kubernetes.io/name": "rabbitmq"}), 5672),
    (Pod("greenlight-engine", {"app.kubernetes.io/name": "engine"}), 2375),
    (Address("203.0.113.7"), 443),  # a registry, a git host, the Ticketmaster API
    (Address("172.18.0.2"), 6443),  # the Kubernetes API server's endpoint
    (Address("2001:db8::7"), 443),
], ids=["dns", "rabbitmq", "engine", "internet", "kube-api", "ipv6"])
def test_everything_else_stays_reachable(destination: Pod | Address, port: int) -> None:
    egress = policies(applied_objects())
    blocked = [name for name, pod in sources().items()
               if name not in NARROWED and not egress.allows(pod, destination, port)]
    assert not blocked


def test_an_address_edited_in_one_place_only_is_caught() -> None:
    # Guards the first test: moving the database in database-clients but not in the egress-except-database
    # policies would let every pod reach it.
    objects = copy.deepcopy(applied_objects())
    clients = named(objects, "NetworkPolicy", "database-clients")
    clients["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"] = "10.20.30.40/32"
    assert who_reaches_the_database(objects) == set(sources())


def test_a_namespace_without_the_except_is_caught() -> None:
    objects = [o for o in applied_objects()
               if not (o["kind"] == "NetworkPolicy" and o["metadata"]["namespace"] == "greenlight-engine")]
    assert who_reaches_the_database(objects) == READERS | {"engine"}
