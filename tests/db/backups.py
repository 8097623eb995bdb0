"""Back up and restore the read model the way the README tells an operator to: SQLite's own `.backup` (online, while
the services run) and `.restore` (services stopped); PostgreSQL's `pg_dump -Fc` and `pg_restore` into the database
emptied and made again, the URL unchanged."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url

from services.shared.db.engine import open_engine
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.settings import DatabaseSettings
from tests.conftest import psql


async def run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, f"{command[0]} exited {process.returncode}: {(err or out).decode()[:500]}"


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def back_up(url: str, to: Path) -> None:
    if url.startswith("sqlite"):
        await run("sqlite3", str(make_url(url).database), f".backup '{to}'")
    else:
        await run("pg_dump", "--format=custom", f"--file={to}", _libpq(url))


async def restore(url: str, backup: Path) -> None:
    """Every process of the database is stopped: the restore replaces what it holds."""
    if url.startswith("sqlite"):
        await run("sqlite3", str(make_url(url).database), f".restore '{backup}'")
        return
    name = make_url(url).database
    psql(f'DROP DATABASE "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    await run("pg_restore", "--no-owner", f"--dbname={_libpq(url)}", str(backup))


@contextlib.asynccontextmanager
async def opened(url: str) -> AsyncIterator[ReleaseDatabase]:
    """A process's read model on `url`, closed (threads and connections) on the way out, as a stopped service's."""
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    database = ReleaseDatabase(engine, poll_interval=0.2)
    try:
        yield database
    finally:
        database.close()
        await engine.dispose()
