"""`kubectl kustomize` renders exactly the listed manifests, the render is valid, and every image can
be overridden through kustomize's `images`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.manifests.repo_files import (
    K8S,
    KUBERNETES_VERSION,
    SERVICES,
    containers,
    load_docs,
    manifest_files,
    named,
    run,
    system_tool,
    venv_tool,
)

KUSTOMIZATIONS = [K8S, K8S / "apps" / "tmapp"]


def kustomize(directory: Path) -> list[dict]:
    kubectl = system_tool("kubectl", "kubectl (with its built-in kustomize) ships with this machine image")
    done = run(kubectl, "kustomize", str(directory))
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def identity(doc: dict) -> tuple[str, str, str]:
    return doc["kind"], doc["metadata"].get("namespace", ""), doc["metadata"]["name"]


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(K8S.parent)))
def test_kustomization_lists_every_manifest_beside_it(directory: Path) -> None:
    listed = yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"]
    present = sorted(p.name for p in directory.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == present


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(K8S.parent)))
def test_render_is_exactly_the_listed_objects(directory: Path) -> None:
    listed = yaml.safe_load((directory / "kustomization.yaml").read_text())["resources"]
    expected = sorted(identity(doc) for name in listed for doc in load_docs(directory / name))
    assert sorted(identity(doc) for doc in kustomize(directory)) == expected


def test_rendered_output_passes_strict_validation(tmp_path: Path) -> None:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all([*kustomize(K8S), *kustomize(K8S / "apps" / "tmapp")]))
    done = run(venv_tool("kubernetes-validate"), "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(rendered))
    assert done.returncode == 0, done.stdout + done.stderr


def test_secret_templates_are_never_applied() -> None:
    # Re-applying must never overwrite real credentials with the templates' placeholders.
    rendered = [*kustomize(K8S), *kustomize(K8S / "apps" / "tmapp")]
    assert not [identity(doc) for doc in rendered if doc["kind"] == "Secret"]


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(K8S.parent)))
def test_every_own_image_has_an_override_entry(directory: Path) -> None:
    names = {entry["name"] for entry in yaml.safe_load((directory / "kustomization.yaml").read_text())["images"]}
    used = {
        c["image"].rsplit(":", 1)[0]
        for path in manifest_files(directory) if path.parent == directory
        for doc in load_docs(path) if "template" in doc.get("spec", {})
        for c in containers(doc) if c["image"].startswith("greenlight/")
    }
    assert used and used <= names


def test_service_images_are_greenlight_slash_service_latest() -> None:
    rendered = kustomize(K8S)
    for service in SERVICES:
        (container,) = containers(named(rendered, "Deployment", f"greenlight-{service}"))
        assert container["image"] == f"greenlight/{service}:latest"


def test_an_overlay_can_retarget_every_image(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(K8S, overlay)],  # kustomize takes no absolute roots
        "images": [
            {"name": f"greenlight/{s}", "newName": f"registry.test/greenlight/{s}", "newTag": "1.2.3"}
            for s in SERVICES
        ],
    }))
    rendered = kustomize(overlay)
    for service in SERVICES:
        (container,) = containers(named(rendered, "Deployment", f"greenlight-{service}"))
        assert container["image"] == f"registry.test/greenlight/{service}:1.2.3"
