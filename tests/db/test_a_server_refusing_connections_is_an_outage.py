"""PostgreSQL refusing a connection by answering (not a refused socket) was no outage to `is_outage`: "the database
system is starting up / shutting down" (57P03, 57P01), "not currently accepting connections" (55000), too many
connections (53300) reach SQLAlchemy as a plain DBAPIError. A handler meeting one during a PostgreSQL restart spent
its deliveries in a second and failed the release, and the API answered 500 instead of 503."""

from __future__ import annotations

import subprocess
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from services.shared.db.outage import is_outage


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


async def test_a_database_not_accepting_connections_is_an_outage() -> None:
    name = f"gltest_closed_{uuid.uuid4().hex[:10]}"
    psql(f"create database {name} allow_connections false")
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1/{name}")
    try:
        with pytest.raises(sa.exc.DBAPIError) as refused:
            async with engine.connect():
                pass
        assert is_outage(refused.value), refused.value
    finally:
        await engine.dispose()
        psql(f"drop database {name}")


class _Refusal(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "message", "outage"), [
    ("57P03", "the database system is starting up", True),
    ("57P01", "terminating connection due to administrator command", True),
    ("53300", "sorry, too many clients already", True),
    ("08006", "connection failure", True),
    ("55000", "cache lookup failed in a prerequisite state", False),  # 55000 otherwise: a statement's fault
    ("23505", "duplicate key value violates unique constraint", False),
])
def test_server_states_that_say_it_is_away(sqlstate: str, message: str, outage: bool) -> None:
    error = sa.exc.DBAPIError("SELECT 1", None, _Refusal(sqlstate, message))
    assert is_outage(error) is outage
