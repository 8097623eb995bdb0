"""For the one-snapshot tests: another connection commits between two statements of one read, so a read made of
two statements (two snapshots) shows one half before the commit and the other after it."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from services.shared.db import driver
from services.shared.db.releases import ReleaseDatabase


def commit_elsewhere(database: ReleaseDatabase, url: str, sql: str) -> None:
    """`sql` committed by a client of its own (psql, or sqlite3), as another process's transaction would be."""
    if database.engine.dialect.name == "postgresql":
        parsed = urlparse(url.replace("+asyncpg", ""))
        subprocess.run(["psql", f"postgresql://{parsed.netloc}{parsed.path}", "-v", "ON_ERROR_STOP=1", "-qc",
                        f"BEGIN; {sql} COMMIT;"], check=True, capture_output=True, timeout=30)
    else:
        other = sqlite3.connect(database.engine.url.database or "", timeout=30, isolation_level=None)
        other.executescript(f"BEGIN IMMEDIATE; {sql} COMMIT;")
        other.close()


@contextlib.contextmanager
def before_the_second_read(database: ReleaseDatabase, monkeypatch: pytest.MonkeyPatch,
                           commit: Callable[[], None]) -> Iterator[list[str]]:
    """Run `commit` just before the second SELECT the database runs within the block (through SQLAlchemy or the
    driver's cursor); yields the SELECTs seen."""
    reads: list[str] = []

    def before_a_read(statement: str) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "(SELECT")):
            reads.append(statement)
            if len(reads) == 2:
                commit()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        before_a_read(statement)

    run = driver._run

    def run_through_the_driver(connection: sa.Connection, sql: str, *args: Any, **kwargs: Any) -> Any:
        before_a_read(sql)
        return run(connection, sql, *args, **kwargs)

    engines = [database.engine.sync_engine, *(c.engine for c in (database.reader._sync,) if c is not None)]
    with monkeypatch.context() as patch:
        patch.setattr(driver, "_run", run_through_the_driver)
        for engine in engines:
            sa.event.listen(engine, "before_cursor_execute", on_execute)
        try:
            yield reads
        finally:
            for engine in engines:
                sa.event.remove(engine, "before_cursor_execute", on_execute)
