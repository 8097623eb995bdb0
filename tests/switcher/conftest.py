"""Every test here runs against a real cluster when KUBECONFIG is set, else against the fake API server."""

from __future__ import annotations

import pytest

from tests.fake_k8s.fixtures import kube

__all__ = ["kube"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "kube" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)
