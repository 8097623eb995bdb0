"""The local platform's fixtures for the switch faults (images on the engine)."""

from __future__ import annotations

from tests.infra import engine_url
from tests.local_platform.fixtures import web_images

__all__ = ["engine_url", "web_images"]
