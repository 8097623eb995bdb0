"""The analysis service's post checks reach the live Service the deployer and switcher manage: the same
namespace and Service name as the config map gives them, so an operator who moves the apps to another
namespace changes one line, not two that must agree."""

from __future__ import annotations

import copy
import re

from tests.manifests.repo_files import applied_objects, containers, named

_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _environment(workload: dict, config: dict) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom first, then `env` in order, each
    `$(VAR)` expanded from what is defined before it (an unknown reference stays as written)."""
    (container,) = containers(workload)
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if source.get("configMapRef", {}).get("name") == config["metadata"]["name"]:
            env.update(config["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = _REFERENCE.sub(lambda m: env.get(m.group(1), m.group(0)), item["value"])
    return env


def _live_url(namespace: str) -> str:
    objects = applied_objects()
    config = copy.deepcopy(named(objects, "ConfigMap", "greenlight-config"))
    config["data"]["GREENLIGHT_KUBE_NAMESPACE"] = namespace
    env = _environment(named(objects, "Deployment", "greenlight-analysis"), config)
    return env["GREENLIGHT_ANALYSIS_LIVE_URL"]


def test_live_url_follows_the_apps_namespace() -> None:
    for namespace in ("apps", "team-payments"):
        assert _live_url(namespace) == f"http://{{app}}-service.{namespace}.svc/"
