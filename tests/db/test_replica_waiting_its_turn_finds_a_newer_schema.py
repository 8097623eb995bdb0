"""PostgreSQL, several replicas starting in a rolling upgrade: an older replica finds the database behind its HEAD
and waits its turn to migrate; meanwhile a newer replica migrates past it, with migrations that only add. Under the
lock the older one looks again and starts on that schema without migrating, instead of failing on Alembic's "Can't
locate revision" (which the look before the lock alone left it to)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from services.shared.db import migration_turns
from services.shared.db.engine import open_engine
from services.shared.db.migrate import HEAD, MIGRATION_LOCK, migrate
from services.shared.db.schema import greenlight_oldest_usable
from services.shared.db.settings import DatabaseSettings
from tests.db.newer_greenlight import later_revision


class _Told:
    """migration_turns.py's logger, which also tells when the replica says it waits for another's migration."""

    def __init__(self, log: Any) -> None:
        self.log, self.waiting = log, asyncio.Event()

    def info(self, event: str, **values: Any) -> None:
        self.log.info(event, **values)
        if event.startswith("waiting for another process"):
            self.waiting.set()


async def test_replica_waiting_its_turn_finds_a_newer_schema(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url)  # type: ignore[call-arg]
    engine, replica = open_engine(settings), open_engine(settings)
    told = _Told(migration_turns.log)
    monkeypatch.setattr(migration_turns, "log", told)
    newer = later_revision(1)
    starting: asyncio.Task[None] | None = None
    try:
        await migrate(engine, f"{int(HEAD) - 1:04d}")  # a database behind this code: it will want to migrate
        async with engine.connect() as gate:  # the newer replica, migrating while the older one waits its turn
            await gate.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            await gate.commit()
            with capture_logs() as logs:
                starting = asyncio.create_task(migrate(replica))
                async with asyncio.timeout(30):
                    await told.waiting.wait()
                # The database is one behind HEAD: from 0012 on it holds the table and its row already.
                await gate.run_sync(lambda connection: greenlight_oldest_usable.create(connection, checkfirst=True))
                await gate.execute(greenlight_oldest_usable.delete())
                await gate.execute(greenlight_oldest_usable.insert().values(revision=newer, oldest_usable=HEAD))
                await gate.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": newer})
                await gate.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                await gate.commit()
                async with asyncio.timeout(30):
                    await starting
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
    finally:
        if starting is not None and not starting.done():
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        await replica.dispose()
        await engine.dispose()
    warnings = [(e["database_revision"], e["code_revision"]) for e in logs if e["log_level"] == "warning"]
    assert warnings == [(newer, HEAD)], logs
    assert stored == newer
