"""On SQLite the read model's writes and reads run on threads of its own, named in the kernel (`gl-db-writer`,
`gl-db-reader`): `top -H`, a profiler and the orchestration bench's per-release meter tell them from the rest."""

from __future__ import annotations

import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="thread names in /proc are Linux's")


def kernel_name(_connection: sa.Connection) -> str:
    return Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text().strip()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=database_url))  # type: ignore[call-arg]
    await migrate(engine)
    yield engine
    await engine.dispose()


async def test_the_writer_and_readers_carry_their_names(engine: AsyncEngine) -> None:
    database = ReleaseDatabase(engine)
    try:
        assert await database.writer.run(kernel_name) == "gl-db-writer"
        assert await database.reader.run(kernel_name) == "gl-db-reader"
        assert kernel_name(None) != "gl-db-writer"  # type: ignore[arg-type]  # this (the loop's) thread is not
    finally:
        database.close()


async def test_a_thread_that_cannot_be_named_still_works(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool whose initializer raised is broken for good: naming is cosmetic, so its failure is swallowed."""
    def no_libc(*args: object) -> None:
        raise OSError("no libc here")

    monkeypatch.setattr("services.shared.db.threadcpu.ctypes.CDLL", no_libc)
    database = ReleaseDatabase(engine)
    try:
        assert await database.writer.run(kernel_name) != "gl-db-writer"
        assert await database.reader.run(kernel_name) != "gl-db-reader"
    finally:
        database.close()
