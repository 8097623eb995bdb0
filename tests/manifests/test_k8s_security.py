"""Every pod runs non-root with a read-only root filesystem, no privilege escalation, no
capabilities, the RuntimeDefault seccomp profile, resource limits and probes; the one privileged
container (the container engine) lives alone in a namespace whose Pod Security level admits it."""

from __future__ import annotations

import pytest

from tests.manifests.repo_files import SERVICES, applied_objects, containers, named, of_kind, pod_template

ENGINE_NAMESPACE = "greenlight-engine"


def workloads(namespaces: set[str]) -> list[dict]:
    objects = applied_objects()
    return [w for w in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet")
            if w["metadata"]["namespace"] in namespaces]


def test_only_the_engine_namespace_allows_privileged_pods() -> None:
    levels = {ns["metadata"]["name"]: ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
              for ns in of_kind(applied_objects(), "Namespace")}
    assert levels == {"greenlight": "restricted", "apps": "restricted", ENGINE_NAMESPACE: "privileged"}
    engine = workloads({ENGINE_NAMESPACE})
    assert [w["metadata"]["name"] for w in engine] == ["engine"]
    for workload in workloads({"greenlight", "apps"}):
        for container in containers(workload):
            assert not container["securityContext"].get("privileged", False), workload["metadata"]["name"]


@pytest.mark.parametrize("workload", workloads({"greenlight", "apps"}), ids=lambda w: w["metadata"]["name"])
def test_pods_meet_the_restricted_profile(workload: dict) -> None:
    spec = pod_template(workload)["spec"]
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] >= 999
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    tmp_volumes = set()
    for container in containers(workload):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert not context.get("capabilities", {}).get("add")
        assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
        assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
        tmp_volumes |= {m["name"] for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"}
    # A read-only root still needs somewhere to write scratch files.
    assert tmp_volumes and all(
        "emptyDir" in v for v in spec["volumes"] if v["name"] in tmp_volumes
    ), workload["metadata"]["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_services_run_as_10001_with_health_probes_on_their_port(service: str) -> None:
    deployment = named(applied_objects(), "Deployment", f"greenlight-{service}")
    spec = pod_template(deployment)["spec"]
    assert spec["securityContext"]["runAsUser"] == 10001
    (container,) = containers(deployment)
    assert container["ports"] == [{"name": "http", "containerPort": SERVICES[service]}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    env = {e["name"]: e for e in container["env"]}
    assert env["GREENLIGHT_SERVICE"]["value"] == service


def test_the_events_app_runs_as_10001_too() -> None:
    for colour in ("blue", "green"):
        assert pod_template(named(applied_objects(), "Deployment", f"tmapp-{colour}"))["spec"][
            "securityContext"]["runAsUser"] == 10001
