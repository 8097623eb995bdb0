"""`KUBECONFIG` names the cluster even inside a pod. The settings say so (default: $KUBECONFIG, else ~/.kube/config,
else in-cluster), as kubectl and client-go do, and the platform choice counts it; but the client took the in-cluster
service account whenever `KUBERNETES_SERVICE_HOST` was set. Greenlight run in one cluster to deploy to another
(a kubeconfig mounted and named by KUBECONFIG), or this suite run on a CI runner pod against a test cluster, drove the
pod's own cluster instead, with the pod's own rights."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.opening import open_kube_platform
from services.shared.kube.settings import KubeSettings
from tests.fake_k8s.server import FakeKube


async def test_a_pod_with_kubeconfig_set_drives_that_cluster(fake_api: FakeKube, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(fake_api.write_kubeconfig(tmp_path / "kubeconfig")))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")  # what every pod's environment holds
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "1")
    async with open_kube_platform(KubeSettings()) as platform:
        assert platform.api.api_client.configuration.host == fake_api.url
        assert await platform.api.get(Kind.SERVICE, "default", "demo-service") is None
    assert fake_api.count("GET", "/services/demo-service") == 1
