"""Loading the repository's deployment files (k8s/, compose.yaml, Dockerfiles/) for the manifest tests."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
SECRET_TEMPLATES = K8S / "secrets"
DOCKERFILES = REPO / "Dockerfiles"
COMPOSE_FILE = REPO / "compose.yaml"
HAPROXY_CFG = REPO / "compose" / "haproxy.cfg"
# A recent release that kubernetes-validate ships strict schemas for.
KUBERNETES_VERSION = "1.35.0"
SERVICES = {"approval": 8000, "builder": 8101, "pusher": 8102, "deployer": 8103, "switcher": 8104, "notifier": 8105,
            "analysis": 8106}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"}

Obj = dict[str, Any]


def venv_tool(name: str) -> str:
    """A console script installed next to this interpreter (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: `pip install -e '.[dev]'` (or pip install {name})")
    return found


def system_tool(name: str, install_hint: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: {install_hint}")
    return found


def run(*argv: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def manifest_files(root: Path = K8S) -> list[Path]:
    """Every Kubernetes manifest under root; kustomization files are kustomize's, not the API's."""
    return sorted(p for p in root.rglob("*.yaml") if p.name != "kustomization.yaml")


def load_docs(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@functools.cache
def applied_objects() -> list[Obj]:
    """What `kubectl apply -k` creates: every manifest except the Secret templates. Shared: read-only."""
    return [
        doc for path in manifest_files() if SECRET_TEMPLATES not in path.parents for doc in load_docs(path)
    ]


@functools.cache
def secret_templates() -> list[Obj]:
    return [doc for path in manifest_files(SECRET_TEMPLATES) for doc in load_docs(path)]


def template_offers_key(template: Obj, key: str, optional: bool) -> bool:
    """The Secret template has `key` as a placeholder, or (for an optional reference) commented out in its file, so
    an unedited install applies no placeholder the app would read as the value, and the key is still documented."""
    if key in template["stringData"]:
        return True
    meta = template["metadata"]
    commented = re.compile(rf"^\s*#\s*{re.escape(key)}:", re.MULTILINE)
    return optional and any(
        commented.search(path.read_text()) for path in manifest_files(SECRET_TEMPLATES)
        if any(doc["metadata"] == meta for doc in load_docs(path)))


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: list[Obj], kind: str, name: str) -> Obj:
    matches = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected exactly one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_template(workload: Obj) -> Obj:
    return workload["spec"]["template"]


def containers(workload: Obj) -> Iterator[Obj]:
    spec = pod_template(workload)["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def env_of(container: Obj) -> dict[str, Obj]:
    return {item["name"]: item for item in container.get("env", [])}


def compose_services() -> dict[str, Obj]:
    """compose.yaml's services, YAML anchors and merge keys resolved (variables are not interpolated)."""
    services: dict[str, Obj] = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    return services
