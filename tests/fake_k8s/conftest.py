"""Fixtures of the fake API server's own tests."""

from tests.fake_k8s.fixtures import fake_api

__all__ = ["fake_api"]
