"""The container engine runs every repository's Dockerfile, and every repository is hostile: its builds must not reach
the cloud's instance metadata endpoint, which hands out the node's credentials (an EKS node's IAM role, a GCE
service account's token).

The engine's namespace was allowed anything but the database, 169.254.169.254 (and AWS's IPv6 fd00:ec2::254)
included: one `RUN curl http://169.254.169.254/latest/meta-data/iam/security-credentials/...` took them. What builds
need stays reachable: DNS (kube-dns, or a node-local cache on a link-local address), registries and package indexes on
the internet or a private network, git hosts.
"""

from __future__ import annotations

import pytest

from tests.manifests.network_policy import Address, Destination, EgressPolicies, Pod
from tests.manifests.repo_files import applied_objects, named, of_kind, pod_template


def engine() -> Pod:
    workload = named(applied_objects(), "StatefulSet", "engine")
    return Pod(workload["metadata"]["namespace"], pod_template(workload)["metadata"]["labels"])


def policies() -> EgressPolicies:
    return EgressPolicies(of_kind(applied_objects(), "NetworkPolicy"), of_kind(applied_objects(), "Namespace"))


@pytest.mark.parametrize(("destination", "port"), [
    (Address("169.254.169.254"), 80),  # AWS, GCP, Azure, OpenStack
    (Address("169.254.169.254"), 443),
    (Address("169.254.170.2"), 80),  # ECS task credentials
    (Address("169.254.170.23"), 80),  # EKS Pod Identity agent
    (Address("fd00:ec2::254"), 80),  # AWS's IPv6 endpoint
    (Address("fe80::1"), 80),
], ids=lambda v: getattr(v, "ip", None) or getattr(v, "namespace", None) or str(v))
def test_builds_do_not_reach_the_metadata_endpoint(destination: Destination, port: int) -> None:
    assert not policies().allows(engine(), destination, port)


@pytest.mark.parametrize(("destination", "port", "protocol"), [
    (Pod("kube-system", {"k8s-app": "kube-dns"}), 53, "UDP"),
    (Address("169.254.20.10"), 53, "UDP"),  # a node-local DNS cache
    (Address("169.254.20.10"), 53, "TCP"),
    (Address("203.0.113.7"), 443, "TCP"),  # Docker Hub, PyPI, a git host
    (Address("10.20.30.40"), 5000, "TCP"),  # a private registry or mirror (an ECR VPC endpoint is private too)
    (Address("2001:db8::7"), 443, "TCP"),
], ids=lambda v: getattr(v, "ip", None) or getattr(v, "namespace", None) or str(v))
def test_builds_still_reach_what_they_need(destination: Destination, port: int, protocol: str) -> None:
    assert policies().allows(engine(), destination, port, protocol)
