"""The approval API's fixtures (settings, client, the policy's clock) for the delivery metrics tests."""

from tests.approval.conftest import client, clock, settings

__all__ = ["client", "clock", "settings"]
