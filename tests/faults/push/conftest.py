"""The pusher's fixtures for the push faults."""

from __future__ import annotations

from tests.pusher.conftest import (  # noqa: F401 - the pusher's fixtures, for test_registry_down_during_push
    app_name,
    built_image,
    engine,
    engine_url,
    http,
    moto_endpoint,
    pusher,
    pusher_settings,
    registries,
    watched,
)
