"""The approval API's fixtures (settings, client) for the delivery metrics tests."""

from tests.approval.conftest import client, settings

__all__ = ["client", "settings"]
