"""The database's plan for a query, as one text: what the index tests assert on and the lookup benches print."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection


async def plan(connection: AsyncConnection, query: sa.Select[Any]) -> str:
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in await connection.exec_driver_sql(explain + sql))
