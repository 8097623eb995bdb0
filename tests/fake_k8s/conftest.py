"""Fixtures of the fake API server's own tests; `kube` for those that hold a real cluster to the same answers."""

from tests.fake_k8s.fixtures import fake_api, kube

__all__ = ["fake_api", "kube"]
