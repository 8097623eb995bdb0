"""A rolling upgrade (or a rollback of Greenlight itself): an older replica restarts after a newer one migrated the
database with migrations that only add. It starts without migrating, saying so in one warning naming both
revisions, and records and reads releases on that schema; the database stays at the newer revision. Before:
"Can't locate revision", a crash-looping pod, and a rollback that needed a database downgrade."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from structlog.testing import capture_logs

from services.shared.db.migrate import HEAD, migrate, open_migrated
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain
from tests.db.newer_greenlight import ADDITIVE, newer_greenlight


async def test_older_greenlight_starts_on_a_newer_additive_schema(any_database: str, tmp_path: Path) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database)  # type: ignore[call-arg]
    with newer_greenlight(tmp_path, ADDITIVE, ADDITIVE) as newer:
        upgraded = await open_migrated(settings)
        await upgraded.dispose()
    with capture_logs() as logs:
        engine = await open_migrated(settings)
    database = ReleaseDatabase(engine)
    try:
        await database.record_all(chain("r1", states=(S.BUILDING,)))
        release = await database.get("r1")
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
        await migrate(engine)  # a second start: the same
    finally:
        database.close()
        await engine.dispose()
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert [(w["database_revision"], w["code_revision"]) for w in warnings] == [(newer, HEAD)], logs
    assert not any(entry["event"] == "database migrated" for entry in logs), logs
    assert stored == newer and release is not None and release.state is S.BUILDING
