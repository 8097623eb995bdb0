"""A database out of reach is told apart from a failed statement or an unrelated error: the first is retried like
any dependency's outage (services/shared/db/outage.py), the others are not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.shared.db.driver import fetch
from services.shared.db.outage import DatabaseOutage, is_outage, outage_of
from services.shared.transient import Retry
from tests.ports import free_port  # nothing listens there


async def test_a_refused_connection_is_an_outage() -> None:
    engine = create_async_engine(f"postgresql+asyncpg://greenlight:pa55word@127.0.0.1:{free_port()}/gl")
    try:
        with pytest.raises(Exception) as refused:  # whatever the driver raises is the subject
            async with engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
    finally:
        await engine.dispose()
    assert is_outage(refused.value), repr(refused.value)
    retry = outage_of(refused.value)
    assert isinstance(retry, DatabaseOutage) and isinstance(retry, Retry)
    assert retry.dependency == "the database" and "pa55word" not in str(retry)


@pytest.mark.parametrize("through", ["sqlalchemy", "the driver's cursor"])
async def test_a_lost_connection_is_an_outage(postgres_url: str, through: str) -> None:
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
            async with engine.connect() as other:
                await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(Exception) as lost:
                if through == "sqlalchemy":
                    await connection.execute(sa.text("SELECT 1"))
                else:  # the hot reads' and the fold's path (driver.py), which raises its own DBAPIError
                    await connection.run_sync(fetch, sa.select(sa.literal(1)), {})
    finally:
        await engine.dispose()
    assert is_outage(lost.value), repr(lost.value)


async def test_a_failed_statement_is_not(postgres_url: str) -> None:
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("CREATE TEMP TABLE once (id int PRIMARY KEY)"))
            await connection.execute(sa.text("INSERT INTO once VALUES (1)"))
            with pytest.raises(sa.exc.IntegrityError) as duplicate:
                await connection.execute(sa.text("INSERT INTO once VALUES (1)"))
    finally:
        await engine.dispose()
    assert not is_outage(duplicate.value)


async def test_sqlite_locked_is_an_outage_and_a_missing_table_is_not(tmp_path: Path) -> None:
    path = tmp_path / "read.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id int)")
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write, for longer than the busy timeout
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0})
    try:
        async with engine.connect() as connection:
            with pytest.raises(sa.exc.OperationalError) as locked:
                await connection.execute(sa.text("INSERT INTO t VALUES (1)"))
            await connection.rollback()
            with pytest.raises(sa.exc.OperationalError) as missing:
                await connection.execute(sa.text("SELECT * FROM nowhere"))
    finally:
        await engine.dispose()
        holder.close()
    assert is_outage(locked.value), repr(locked.value)
    assert not is_outage(missing.value), repr(missing.value)


def test_an_unrelated_os_error_is_not(tmp_path: Path) -> None:
    with pytest.raises(OSError) as missing:
        (tmp_path / "missing").read_text()
    assert not is_outage(missing.value)
    assert not is_outage(TimeoutError("a step deadline"))
