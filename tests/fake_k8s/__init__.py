"""A fake Kubernetes API server for the deployer and switcher tests (see server.py)."""

from tests.fake_k8s.resources import DEPLOYMENTS, NAMESPACES, SERVICES
from tests.fake_k8s.server import FakeKube

__all__ = ["DEPLOYMENTS", "NAMESPACES", "SERVICES", "FakeKube"]
