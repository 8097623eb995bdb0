"""Every Kubernetes manifest (templates included) is valid for the API server, strictly: no unknown
or misspelt field slips through, as `kubectl apply` would silently drop or reject it."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.manifests.repo_files import (
    K8S,
    KUBERNETES_VERSION,
    load_docs,
    manifest_files,
    named,
    run,
    venv_tool,
)

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}


def validate(*files: Path) -> tuple[int, str]:
    done = run(venv_tool("kubernetes-validate"), "--strict", "--quiet", "-k", KUBERNETES_VERSION,
               *map(str, files))
    return done.returncode, done.stdout + done.stderr


def test_every_manifest_passes_strict_validation() -> None:
    files = manifest_files()
    assert len(files) >= 10, files
    code, output = validate(*files)
    assert code == 0, output


def test_strict_validation_catches_a_misspelt_field(tmp_path: Path) -> None:
    # Guards the test above: it must be able to fail.
    deployment = named(load_docs(K8S / "builder.yaml"), "Deployment", "greenlight-builder")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"port": 1}}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    code, output = validate(broken)
    assert code != 0
    assert "readinesProbe" in output


def test_every_namespaced_object_names_its_namespace() -> None:
    # The kustomization sets no namespace (objects span three), so each object must carry its own.
    for path in manifest_files():
        for doc in load_docs(path):
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path
            if doc["kind"] not in CLUSTER_SCOPED:
                assert doc["metadata"].get("namespace"), f"{path}: {doc['kind']} {doc['metadata']['name']}"
