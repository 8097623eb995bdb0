"""The cluster fixture for the deploy faults: the fake API server (fault injection needs it)."""

from __future__ import annotations

from tests.fake_k8s.fixtures import kube

__all__ = ["kube"]
