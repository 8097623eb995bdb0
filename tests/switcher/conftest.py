"""Every test here is marked `cluster`: against a real cluster when KUBECONFIG is set, else the fake API server."""

from __future__ import annotations

from tests.fake_k8s.fixtures import kube

__all__ = ["kube"]
