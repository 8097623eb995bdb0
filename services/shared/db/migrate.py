"""Migrations: Alembic's, run at start-up one process at a time (migration_turns.py); a database already at HEAD skips
Alembic altogether (it takes 0.17 s to import).

A database a newer Greenlight migrated (a rolling upgrade, a rollback of Greenlight itself) is used as it is if its
schema still serves this code, else refused (migrations/oldest_usable.py); looked at again under the lock."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import DatabaseUnavailable, check_reachable, open_engine
from services.shared.db.migration_turns import MIGRATION_LOCK, TURN_POLL, in_turn
from services.shared.db.migrations.oldest_usable import started_on_newer
from services.shared.db.settings import DatabaseSettings

log = structlog.get_logger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0017"  # the newest migration: a database at it skips alembic (tests/db/test_migrations.py keeps it true)
__all__ = ["HEAD", "MIGRATIONS", "MIGRATION_LOCK", "TURN_POLL", "alembic_config", "migrate", "open_migrated"]


async def migrate(engine: AsyncEngine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or with `down`, downgrade) to `revision`; several processes starting at once migrate one
    after the other. A database migrated by a newer Greenlight than this one is refused in one line."""
    if revision == "head" and not down and await _at_head(engine):
        return  # the usual start: alembic (0.17 s to import) is not even loaded (nor on a newer, usable schema)
    # Alembic narrates every step on stdlib logging as plain text, its plugins' set-up already on import; the one
    # structured line `_alembic_upgrade` logs says the same.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    import alembic.util  # here, not at the top: see above

    try:
        await in_turn(engine, _alembic_upgrade, revision, down)
    except alembic.util.CommandError as exc:
        if "Can't locate revision" not in str(exc):  # another application's alembic_version, a bad revision asked
            raise DatabaseUnavailable(f"cannot migrate the database at GREENLIGHT_DATABASE_URL: {exc}") from None
        raise DatabaseUnavailable(
            f"cannot migrate the database at GREENLIGHT_DATABASE_URL: {exc}; a newer Greenlight migrated it "
            "(roll forward, or point GREENLIGHT_DATABASE_URL at a database of this version)") from None
    except sa.exc.DBAPIError as exc:
        # A migration the database refused (no right to create in its schema, a table of that name taken by
        # something else), or its connection lost midway: one line naming the setting and the driver's reason, not a
        # traceback. Its first line only: the rest quotes the statement. The URL is not in it.
        reason = str(exc.orig).strip().splitlines()[0][:300] if exc.orig is not None else type(exc).__name__
        raise DatabaseUnavailable(f"cannot migrate the database at GREENLIGHT_DATABASE_URL: a migration failed: "
                                  f"{reason}") from None


async def _at_head(engine: AsyncEngine) -> bool:
    """True for a database this code starts on without migrating: at HEAD, or past it and still usable by it."""
    try:
        async with engine.connect() as connection:
            stored = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalars().all()
            if len(stored) == 1 and await connection.run_sync(started_on_newer, stored[0], HEAD):
                return True  # or DatabaseUnavailable, when this code cannot use it
    except sa.exc.SQLAlchemyError:  # no such table: a new database
        return False
    return stored == [HEAD]


def _alembic_upgrade(connection: sa.Connection, revision: str, down: bool) -> None:
    # Imported here, not at the top: loaded only when there is something to migrate.
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    before = MigrationContext.configure(connection).get_current_revision()
    if revision == "head" and not down and started_on_newer(connection, before, HEAD):
        return  # a newer replica migrated while this one waited its turn
    if connection.dialect.name == "postgresql":
        connection.commit()  # that read began a transaction, which alembic would take for the caller's
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)
    after = MigrationContext.configure(connection).get_current_revision()
    if connection.dialect.name == "postgresql":
        connection.commit()
    if after != before:
        log.info("database migrated", before=before, after=after)


def alembic_config() -> Any:
    from alembic.config import Config  # here, not at the top: loaded only when there is something to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def open_migrated(settings: DatabaseSettings) -> AsyncEngine:
    """An engine on a reachable database at this code's schema; DatabaseUnavailable (one line) otherwise."""
    engine = open_engine(settings)
    try:
        await check_reachable(engine, settings)
        if not await _at_head(engine):
            # A schema change may take minutes on a long history: past the statement timeout every request has.
            migrator = open_engine(settings.model_copy(update={"statement_timeout": 0}))
            try:
                await migrate(migrator)
            finally:
                await migrator.dispose()
    except BaseException:
        await engine.dispose()
        raise
    return engine
