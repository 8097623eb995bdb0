"""Local platform tests: a private HAProxy and fixture images; the Kubernetes side uses the fake API server."""

from __future__ import annotations

from tests.fake_k8s.fixtures import kube
from tests.infra import engine_url
from tests.local_platform.fixtures import haproxy, local_settings, plain_router, web_images

__all__ = ["engine_url", "haproxy", "kube", "local_settings", "plain_router", "web_images"]
