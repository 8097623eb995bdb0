"""k8s/ runs two replicas of every pipeline service, spread over nodes, with a PodDisruptionBudget each; the
workers' queues are partitioned by app (GREENLIGHT_PARTITIONS) on a three-node RabbitMQ that has the
consistent-hash exchange plugin. (The notifier's replicas send one at a time: services/notifier/active.py.)"""

from __future__ import annotations

import pytest
import yaml

from services.shared.partitions import PLUGIN
from tests.manifests.repo_files import applied_objects, named, of_kind, pod_template

REPLICATED = ("approval", "builder", "pusher", "deployer", "switcher", "analysis", "notifier")


@pytest.mark.parametrize("service", REPLICATED)
def test_two_replicas_spread_over_nodes(service: str) -> None:
    deployment = named(applied_objects(), "Deployment", f"greenlight-{service}")
    assert deployment["spec"]["replicas"] == 2
    labels = pod_template(deployment)["metadata"]["labels"]
    [term] = pod_template(deployment)["spec"]["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    selected = term["podAffinityTerm"]["labelSelector"]["matchLabels"]
    assert selected.items() <= labels.items()


@pytest.mark.parametrize("service", REPLICATED)
def test_a_disruption_budget_keeps_one_running(service: str) -> None:
    deployment = named(applied_objects(), "Deployment", f"greenlight-{service}")
    labels = pod_template(deployment)["metadata"]["labels"]
    budgets = [b for b in of_kind(applied_objects(), "PodDisruptionBudget")
               if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
    assert len(budgets) == 1, budgets
    [budget] = budgets
    assert budget["metadata"]["namespace"] == deployment["metadata"]["namespace"]
    spec = budget["spec"]
    assert spec.get("maxUnavailable") == 1 or spec.get("minAvailable") == 1, spec


def test_worker_queues_are_partitioned_by_app() -> None:
    config = named(applied_objects(), "ConfigMap", "greenlight-config")["data"]
    assert int(config["GREENLIGHT_PARTITIONS"]) > 0
    for service in REPLICATED:  # every service declares every worker's partitions: all read the same number
        deployment = named(applied_objects(), "Deployment", f"greenlight-{service}")
        [container] = pod_template(deployment)["spec"]["containers"]
        assert {"configMapRef": {"name": "greenlight-config"}} in container["envFrom"]


def test_rabbitmq_is_three_nodes_with_the_consistent_hash_plugin() -> None:
    assert named(applied_objects(), "StatefulSet", "rabbitmq")["spec"]["replicas"] == 3
    plugins = named(applied_objects(), "ConfigMap", "rabbitmq-config")["data"]["enabled_plugins"]
    assert PLUGIN in yaml.safe_load(plugins.strip().rstrip("."))
