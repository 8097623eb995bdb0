"""The `kube` fixture: a real cluster when KUBECONFIG is set, else the fake API server; a fresh namespace."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio import client

from services.shared.kube.client import connect
from services.shared.kube.opening import open_kube_platform
from services.shared.kube.platform import KubePlatform
from services.shared.kube.settings import KubeSettings
from tests.fake_k8s.server import FakeKube

SECRET = "demo-secrets"


@dataclass
class KubeTarget:
    namespace: str
    kubeconfig: str | None  # None: the client reads $KUBECONFIG (a real cluster)
    fake: FakeKube | None
    progress_deadline: int
    images: tuple[str, ...]  # images that become ready, pinned by digest on the fake
    bad_image: str  # an image that never becomes available
    patience: float  # seconds a test waits for an outcome: image pulls on a real cluster take a while

    def settings(self, **overrides: Any) -> KubeSettings:
        values: dict[str, Any] = {"kubeconfig": self.kubeconfig, "namespace": self.namespace,
                                  "progress_deadline": self.progress_deadline, "watch_inactivity": 5.0,
                                  **overrides}
        return KubeSettings(**values)

    def need_fake(self) -> FakeKube:
        """Fault injection exists only on the fake API server; on a real cluster the test is skipped."""
        if self.fake is None:
            pytest.skip("needs the fake API server's fault-injection hooks")
        return self.fake

    @contextlib.asynccontextmanager
    async def platform(self, **overrides: Any) -> AsyncIterator[KubePlatform]:
        async with open_kube_platform(self.settings(**overrides)) as platform:
            yield platform


# Images a real cluster runs for the `cluster` tests: three, as some tests stage a third release.
CLUSTER_IMAGES = ("nginxinc/nginx-unprivileged:1.27-alpine,nginxinc/nginx-unprivileged:1.26-alpine,"
                  "nginxinc/nginx-unprivileged:1.25-alpine")


# The fake times a rollout out as the controller does, after this long without progress: longer than the slowest pods
# a test asks of it (`rollouts.delay`, up to 3 s a wave), short enough that a bad image fails soon.
FAKE_PROGRESS_DEADLINE = 4


def _fake_images() -> tuple[str, ...]:
    return tuple(f"registry.example/demo@sha256:{hashlib.sha256(str(i).encode()).hexdigest()}" for i in range(4))


@pytest.fixture
async def kube(tmp_path: Path, test_id: str) -> AsyncIterator[KubeTarget]:
    namespace = f"gl-test-{test_id}"
    fake: FakeKube | None = None
    if os.environ.get("KUBECONFIG"):
        images = tuple(os.environ.get("GREENLIGHT_TEST_IMAGES", CLUSTER_IMAGES).split(","))
        target = KubeTarget(namespace, None, None, 60, images, "registry.invalid/bad-image:never", 180.0)
    else:
        fake = FakeKube(rollout_delay=0.05, bookmark_interval=1.0)
        await fake.start()
        kubeconfig = str(fake.write_kubeconfig(tmp_path / "kubeconfig"))
        target = KubeTarget(namespace, kubeconfig, fake, FAKE_PROGRESS_DEADLINE, _fake_images(),
                            "registry.example/bad@sha256:" + "0" * 64, 20.0)
    api_client = await connect(target.settings())
    try:
        core = client.CoreV1Api(api_client)
        await core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        await core.create_namespaced_secret(namespace, {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": SECRET}, "stringData": {"token": "t0ken"},
        })
        yield target
        await core.delete_namespace(namespace)
    finally:
        await api_client.close()
        if fake is not None:
            await fake.stop()


@pytest.fixture
async def kube_platform(kube: KubeTarget) -> AsyncIterator[KubePlatform]:
    """The Kubernetes adapter on the test's namespace (a real cluster with KUBECONFIG, else the fake)."""
    async with kube.platform() as platform:
        yield platform


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeKube]:
    """The fake API server alone, for a test of how the client reaches it (credentials, kubeconfig)."""
    server = FakeKube()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
