"""An older replica against a database a newer Greenlight migrated past a breaking migration (one that raised the
oldest usable revision past the replica's): it stops with one line naming the Greenlight the database needs, and
leaves the database as it found it. Code at that oldest usable revision, or past it, starts."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from services.shared.db.engine import DatabaseUnavailable, open_engine
from services.shared.db.migrate import HEAD, open_migrated
from services.shared.db.settings import DatabaseSettings
from tests.db.newer_greenlight import ADDITIVE, BREAKING, later_revision, newer_greenlight


async def _revision(settings: DatabaseSettings) -> str | None:
    engine = open_engine(settings)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
    finally:
        await engine.dispose()


async def test_older_greenlight_refuses_a_newer_breaking_schema(any_database: str, tmp_path: Path) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database)  # type: ignore[call-arg]
    with newer_greenlight(tmp_path, ADDITIVE, BREAKING) as newer:
        await (await open_migrated(settings)).dispose()
    with pytest.raises(DatabaseUnavailable) as refused:
        await open_migrated(settings)
    said = str(refused.value)
    assert f"a newer Greenlight migrated it to revision {newer}, past this version's {HEAD}" in said, said
    assert f"it needs Greenlight of migration {newer} or later" in said and "\n" not in said, said
    assert await _revision(settings) == newer


async def test_greenlight_at_the_oldest_usable_revision_starts_and_one_before_it_does_not(
        any_database: str, tmp_path: Path) -> None:
    settings = DatabaseSettings(GREENLIGHT_DATABASE_URL=any_database)  # type: ignore[call-arg]
    breaking = later_revision(2)
    with newer_greenlight(tmp_path, ADDITIVE, BREAKING, ADDITIVE):
        await (await open_migrated(settings)).dispose()
    with newer_greenlight(tmp_path, ADDITIVE, BREAKING):  # at the breaking revision: the additive one since is fine
        await (await open_migrated(settings)).dispose()
    with newer_greenlight(tmp_path, ADDITIVE), pytest.raises(DatabaseUnavailable, match=(
            f"needs Greenlight of migration {breaking} or later")):
        await open_migrated(settings)
    assert await _revision(settings) == later_revision(3)
