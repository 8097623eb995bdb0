"""Post-promotion tests drive the switcher against the fake Kubernetes API server (or a real cluster), and the
local platform (a private HAProxy, fixture images on the engine) for the rollback under load."""

from __future__ import annotations

from tests.fake_k8s.fixtures import kube
from tests.infra import engine_url
from tests.local_platform.fixtures import haproxy, local_settings, web_images

__all__ = ["engine_url", "haproxy", "kube", "local_settings", "web_images"]
