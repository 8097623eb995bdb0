"""Everything a manifest refers to exists: the Secrets and keys (as templates; an optional key may be commented out
in its template instead), ConfigMaps, service accounts and volumes; each Service selects the pods it is meant for; no
secret value is inline."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tests.manifests.repo_files import (
    applied_objects,
    containers,
    env_of,
    named,
    of_kind,
    pod_template,
    secret_templates,
    template_offers_key,
)

PLACEHOLDER = "REPLACE_ME"
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "API_KEY", "COOKIE")


def pod_workloads() -> list[dict]:
    objects = applied_objects()
    return of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet")


def secret_refs(workload: dict) -> Iterator[tuple[str, str | None, bool]]:
    """(secret name, key or None for a whole-Secret volume, optional) for every use in a pod."""
    spec = pod_template(workload)["spec"]
    for container in containers(workload):
        for item in container.get("env", []):
            if ref := item.get("valueFrom", {}).get("secretKeyRef"):
                yield ref["name"], ref["key"], ref.get("optional", False)
        for source in container.get("envFrom", []):
            if ref := source.get("secretRef"):
                yield ref["name"], None, ref.get("optional", False)
    for volume in spec.get("volumes", []):
        if secret := volume.get("secret"):
            yield secret["secretName"], None, secret.get("optional", False)


def test_every_referenced_secret_and_key_has_a_template() -> None:
    templates = {(t["metadata"]["namespace"], t["metadata"]["name"]): t for t in secret_templates()}
    used = set()
    for workload in pod_workloads():
        namespace = workload["metadata"]["namespace"]
        for name, key, optional in secret_refs(workload):
            template = templates.get((namespace, name))
            assert template, f"{workload['metadata']['name']} uses Secret {namespace}/{name}: no template"
            if key is not None:
                assert template_offers_key(template, key, optional), f"{namespace}/{name} has no key {key}"
            used.add((namespace, name))
    assert used == set(templates), "templates nobody uses, or uses without a template"


def test_secret_templates_hold_only_placeholders_for_secret_values() -> None:
    for template in secret_templates():
        values = template["stringData"]
        assert any(PLACEHOLDER in value for value in values.values()), template["metadata"]["name"]
        for key, value in values.items():
            if key != "username":
                assert PLACEHOLDER in value, f"{template['metadata']['name']}.{key} is not a placeholder"


def test_no_secret_is_inline_in_env() -> None:
    for workload in pod_workloads():
        for container in containers(workload):
            for name, item in env_of(container).items():
                # A *_FILE variable holds the path of a mounted Secret, not its value.
                if any(word in name.upper() for word in SECRET_WORDS) and not name.endswith("_FILE"):
                    assert "value" not in item, f"{workload['metadata']['name']}: {name} is inline"


def test_config_maps_hold_no_secrets() -> None:
    for config in of_kind(applied_objects(), "ConfigMap"):
        for key, value in config["data"].items():
            assert not any(word in key.upper() for word in SECRET_WORDS), key
            assert not CREDENTIALS_IN_URL.search(value), f"{key} holds a URL with a password"


def test_config_maps_and_service_accounts_exist() -> None:
    objects = applied_objects()
    for workload in pod_workloads():
        namespace = workload["metadata"]["namespace"]
        spec = pod_template(workload)["spec"]
        if account := spec.get("serviceAccountName"):
            assert named(objects, "ServiceAccount", account)["metadata"]["namespace"] == namespace
        maps = [s["configMapRef"]["name"] for c in containers(workload) for s in c.get("envFrom", [])
                if "configMapRef" in s]
        maps += [v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v]
        for name in maps:
            assert named(objects, "ConfigMap", name)["metadata"]["namespace"] == namespace


def test_every_volume_mount_has_a_volume() -> None:
    for workload in pod_workloads():
        volumes = {v["name"] for v in pod_template(workload)["spec"].get("volumes", [])}
        volumes |= {c["metadata"]["name"] for c in workload["spec"].get("volumeClaimTemplates", [])}
        for container in containers(workload):
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{workload['metadata']['name']}: {mount['name']}"


def test_every_service_selects_a_workload_and_a_named_port() -> None:
    workloads = pod_workloads()
    for service in of_kind(applied_objects(), "Service"):
        selector = service["spec"]["selector"]
        matches = [
            w for w in workloads
            if w["metadata"]["namespace"] == service["metadata"]["namespace"]
            and selector.items() <= pod_template(w)["metadata"]["labels"].items()
        ]
        assert matches, f"Service {service['metadata']['name']} selects no pods"
        port_names = {p["name"] for w in matches for c in containers(w) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in port_names, (service["metadata"]["name"], port)


def test_amqp_url_is_built_from_the_broker_secret() -> None:
    for workload in pod_workloads():
        if workload["metadata"]["name"].startswith("greenlight-"):
            (container,) = containers(workload)
            env = env_of(container)
            assert env["AMQP_URL"]["value"].startswith("amqp://$(AMQP_USERNAME):$(AMQP_PASSWORD)@rabbitmq.")
            for part, key in (("AMQP_USERNAME", "username"), ("AMQP_PASSWORD", "password")):
                assert env[part]["valueFrom"]["secretKeyRef"] == {"name": "rabbitmq-credentials", "key": key}
            # $(VAR) expands only from variables defined earlier in the list.
            names = list(env)
            assert names.index("AMQP_URL") > max(names.index("AMQP_USERNAME"), names.index("AMQP_PASSWORD"))
