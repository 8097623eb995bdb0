"""Schema changes go through Alembic: from an empty database, from the previous revision, and back."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import DatabaseUnavailable, writing
from services.shared.db.migrate import HEAD, migrate
from services.shared.db.schema import metadata
from services.shared.protocol import ReleaseState as S


def _differences(connection: sa.Connection) -> list[object]:
    if connection.dialect.name != "sqlite":
        return list(compare_metadata(MigrationContext.configure(connection), metadata))
    # SQLite's indexes on expressions are not reflected, and Alembic skips them: compared here by their SQL.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*expression-based index")
        found = list(compare_metadata(MigrationContext.configure(connection), metadata))
    for table in metadata.tables.values():
        for index in table.indexes:
            if any(not isinstance(e, sa.Column) for e in index.expressions):
                stored = connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'index' AND "
                                                    "name = :name"), {"name": index.name}).scalar()
                wanted = str(sa.schema.CreateIndex(index).compile(dialect=connection.dialect))
                found += [] if stored == wanted else [("index", index.name, stored, wanted)]
    return found


async def test_an_empty_database_migrates_to_exactly_the_schema_the_code_uses(engine: AsyncEngine) -> None:
    await migrate(engine)
    await migrate(engine)  # a second start changes nothing
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
        revision = await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    assert revision == HEAD == "0017"


async def test_a_database_of_the_previous_revision_keeps_its_data_and_gains_app_state(engine: AsyncEngine) -> None:
    await migrate(engine, "0001")
    now = datetime.now(UTC)

    def row(rid: str, app: str, state: S, minutes: int, colour: str | None = None) -> dict[str, object]:
        when = now.replace(microsecond=0) - timedelta(minutes=minutes)
        return {"id": rid, "app": app, "state": state.value, "seq": 1, "colour": colour, "requested_by": "ann",
                "approver": None, "created_at": when, "updated_at": when, "snapshot": "{}"}

    async with writing(engine) as connection:
        await connection.execute(sa.text(
            "INSERT INTO releases (id, app, state, seq, colour, requested_by, approver, created_at, updated_at, "
            "snapshot) VALUES (:id, :app, :state, :seq, :colour, :requested_by, :approver, :created_at, "
            ":updated_at, :snapshot)"), [
            row("old-live", "shop", S.LIVE, 30, "green"),
            row("older-busy", "shop", S.BUILDING, 20),  # a log from before the rule: two in flight at once
            row("newer-busy", "shop", S.DEPLOYING, 10, "blue"),
            row("done", "blog", S.SUPERSEDED, 5, "blue"),
        ])
    await migrate(engine)
    async with engine.connect() as connection:
        flags = dict((await connection.execute(sa.text("SELECT id, in_flight FROM releases"))).all())
        apps = {r.app: r for r in (await connection.execute(sa.text("SELECT * FROM apps"))).all()}
        assert await connection.run_sync(_differences) == []
    assert {rid for rid, flag in flags.items() if flag} == {"newer-busy"}
    assert (apps["shop"].live_release, apps["shop"].live_colour) == ("old-live", "green")
    assert (apps["shop"].in_flight_release, apps["shop"].standby_release) == ("newer-busy", "newer-busy")
    assert (apps["blog"].live_release, apps["blog"].standby_release) == (None, "done")


async def test_downgrade_to_the_previous_revision_and_up_again(engine: AsyncEngine) -> None:
    await migrate(engine)
    await migrate(engine, "0001", down=True)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert "apps" not in tables and "releases" in tables
    await migrate(engine)
    async with engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_a_database_from_a_newer_greenlight_is_refused_in_one_line(engine: AsyncEngine) -> None:
    await migrate(engine)
    async with writing(engine) as connection:
        await connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseUnavailable, match="a newer Greenlight migrated it"):
        await migrate(engine)


async def test_a_database_of_revision_0003_keeps_its_claims_and_gains_the_approvals_table(engine: AsyncEngine) -> None:
    await migrate(engine, "0003")
    async with writing(engine) as connection:
        await connection.execute(sa.text("INSERT INTO greenlight_hook_claims (key, claimed_at) VALUES (:k, :t)"),
                                 {"k": "delivery-1", "t": datetime.now(UTC)})
    await migrate(engine)
    async with writing(engine) as connection:
        await connection.execute(sa.text(
            "INSERT INTO greenlight_approvals (release_id, approver, approved_at) VALUES ('r1', 'ann', :t)"),
            {"t": datetime.now(UTC)})
        claims = (await connection.execute(sa.text("SELECT key FROM greenlight_hook_claims"))).scalars().all()
        assert await connection.run_sync(_differences) == []
    assert claims == ["delivery-1"]
    with pytest.raises(sa.exc.IntegrityError):  # one approval per person and release
        async with writing(engine) as connection:
            await connection.execute(sa.text(
                "INSERT INTO greenlight_approvals (release_id, approver, approved_at) VALUES ('r1', 'ann', :t)"),
                {"t": datetime.now(UTC)})
    await migrate(engine, "0003", down=True)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert "greenlight_approvals" not in tables and "greenlight_hook_claims" in tables


async def test_a_database_of_revision_0004_keeps_its_approvals_and_gains_the_ticket_table(engine: AsyncEngine) -> None:
    await migrate(engine, "0004")
    async with writing(engine) as connection:
        await connection.execute(sa.text(
            "INSERT INTO greenlight_approvals (release_id, approver, approved_at) VALUES ('r1', 'ann', :t)"),
            {"t": datetime.now(UTC)})
    await migrate(engine)
    async with writing(engine) as connection:
        await connection.execute(sa.text(
            "INSERT INTO greenlight_stream_tickets (digest, name, roles, expires_at) VALUES ('d', 'ann', 'r', :t)"),
            {"t": datetime.now(UTC)})
        approvals = (await connection.execute(sa.text("SELECT approver FROM greenlight_approvals"))).scalars().all()
        assert await connection.run_sync(_differences) == []
    assert approvals == ["ann"]
    await migrate(engine, "0004", down=True)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert "greenlight_stream_tickets" not in tables and "greenlight_approvals" in tables


async def test_a_database_of_revision_0005_keeps_its_claims_and_gains_their_index_by_age(engine: AsyncEngine) -> None:
    await migrate(engine, "0005")
    async with writing(engine) as connection:
        await connection.execute(sa.text("INSERT INTO greenlight_hook_claims (key, claimed_at) VALUES (:k, :t)"),
                                 {"k": "delivery-1", "t": datetime.now(UTC)})
    await migrate(engine)
    async with engine.connect() as connection:
        claims = (await connection.execute(sa.text("SELECT key FROM greenlight_hook_claims"))).scalars().all()
        indexes = await connection.run_sync(
            lambda c: {tuple(i["column_names"]) for i in sa.inspect(c).get_indexes("greenlight_hook_claims")})
        assert await connection.run_sync(_differences) == []
    assert claims == ["delivery-1"] and ("claimed_at",) in indexes
    await migrate(engine, "0005", down=True)
    async with engine.connect() as connection:
        indexes = await connection.run_sync(
            lambda c: {tuple(i["column_names"]) for i in sa.inspect(c).get_indexes("greenlight_hook_claims")})
        claims = (await connection.execute(sa.text("SELECT key FROM greenlight_hook_claims"))).scalars().all()
    assert ("claimed_at",) not in indexes and claims == ["delivery-1"]


async def test_a_migration_the_database_refuses_is_one_line_naming_the_setting(engine: AsyncEngine) -> None:
    async with writing(engine) as connection:  # a table of the name the first migration creates, someone else's
        await connection.execute(sa.text("CREATE TABLE releases (other TEXT)"))
    with pytest.raises(DatabaseUnavailable) as refused:
        await migrate(engine)
    line = str(refused.value)
    assert line.startswith("cannot migrate the database at GREENLIGHT_DATABASE_URL: a migration failed: "), line
    assert "releases" in line and "already exists" in line and "\n" not in line, line
