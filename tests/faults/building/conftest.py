"""The builder's fixtures for the build faults."""

from __future__ import annotations

from tests.builder.conftest import (  # noqa: F401 - the builder's fixtures
    app_name,
    builder,
    builder_settings,
    engine,
    engine_url,
    git_spy,
    moto_endpoint,
    registries,
    tap,
    work_root,
)
