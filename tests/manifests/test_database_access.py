"""Least privilege for the read model: in compose.yaml and in k8s/, approval, switcher and notifier — the
only services that use it — get GREENLIGHT_DATABASE_URL (compose: the bundled PostgreSQL; k8s: the
`greenlight-database` Secret), and no other service, pod or ConfigMap sees it."""

from __future__ import annotations

import pytest

from tests.manifests.repo_files import (
    SERVICES,
    applied_objects,
    compose_services,
    containers,
    env_of,
    named,
    of_kind,
    pod_template,
    secret_templates,
)

READERS = {"approval", "switcher", "notifier"}
URL = "GREENLIGHT_DATABASE_URL"
SECRET = "greenlight-database"


def pod_workloads() -> list[dict]:
    objects = applied_objects()
    return of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet")


def database_secret_uses(workload: dict) -> list[str]:
    """Every way a pod reaches the database Secret: env items, envFrom and volumes."""
    uses = [f"env {item['name']}" for c in containers(workload) for item in c.get("env", [])
            if item.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == SECRET]
    uses += ["envFrom" for c in containers(workload) for source in c.get("envFrom", [])
             if source.get("secretRef", {}).get("name") == SECRET]
    uses += [f"volume {v['name']}" for v in pod_template(workload)["spec"].get("volumes", [])
             if v.get("secret", {}).get("secretName") == SECRET]
    return uses


@pytest.mark.parametrize("name", sorted(READERS))
def test_compose_readers_get_the_bundled_database_and_wait_for_it(name: str) -> None:
    service = compose_services()[name]
    assert service["environment"][URL].startswith("postgresql+asyncpg://greenlight:")
    assert service["environment"][URL].endswith("@postgres:5432/greenlight")
    assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert service["depends_on"]["rabbitmq"] == {"condition": "service_healthy"}  # still, after the override


def test_no_other_compose_service_gets_the_database() -> None:
    for name, service in compose_services().items():
        if name in READERS:
            continue
        environment = service.get("environment", {})
        assert URL not in environment, f"{name} gets {URL}"
        assert not any("postgres" in str(value) for value in environment.values()), name
        assert "postgres" not in service.get("depends_on", {}), name


@pytest.mark.parametrize("name", sorted(READERS))
def test_k8s_readers_take_the_url_from_the_secret(name: str) -> None:
    (container,) = containers(named(applied_objects(), "Deployment", f"greenlight-{name}"))
    item = env_of(container)[URL]
    assert item == {"name": URL, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": "url"}}}
    template = named(secret_templates(), "Secret", SECRET)
    assert template["metadata"]["namespace"] == "greenlight"
    assert set(template["stringData"]) == {"url"}


def test_no_other_k8s_pod_or_config_map_gets_the_database() -> None:
    readers = {f"greenlight-{name}" for name in READERS}
    workloads = pod_workloads()
    assert {f"greenlight-{name}" for name in SERVICES} <= {w["metadata"]["name"] for w in workloads}
    for workload in workloads:
        name = workload["metadata"]["name"]
        uses = database_secret_uses(workload)
        if name in readers:
            assert uses == [f"env {URL}"], name
            continue
        assert not uses, f"{name} reaches Secret {SECRET}: {uses}"
        for container in containers(workload):
            assert URL not in env_of(container), name
    for config in of_kind(applied_objects(), "ConfigMap"):
        # Every pod reads the ConfigMap; tuning such as GREENLIGHT_DATABASE_POOL_SIZE may live there, the URL not.
        assert URL not in config["data"], config["metadata"]["name"]


def test_the_check_sees_a_leak() -> None:
    # Guards the test above: the builder given the Secret through envFrom must be reported.
    builder = named(applied_objects(), "Deployment", "greenlight-builder")
    leaked = {**builder, "spec": {**builder["spec"], "template": {
        **pod_template(builder), "spec": {**pod_template(builder)["spec"], "containers": [
            {**c, "envFrom": [*c.get("envFrom", []), {"secretRef": {"name": SECRET}}]}
            for c in pod_template(builder)["spec"]["containers"]]}}}}
    assert database_secret_uses(leaked) == ["envFrom"]
    assert database_secret_uses(builder) == []
