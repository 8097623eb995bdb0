"""A PostgreSQL database of the test's own (the shared server on 127.0.0.1:5432), dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import asyncpg
import pytest

PG_ADMIN = os.environ.get("GREENLIGHT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
async def database_url(test_id: str) -> AsyncIterator[str]:
    name = f"gltest_{test_id}"
    try:
        admin = await asyncpg.connect(PG_ADMIN)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"No PostgreSQL at {PG_ADMIN} (set GREENLIGHT_TEST_POSTGRES): {exc!r}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
