"""Many rows of one statement as one DBAPI executemany, without SQLAlchemy's per-row parameter building.

`Connection.execute(statement, rows)` builds a dict per row and runs every value through its type's processor
inside SQLAlchemy's generic machinery: at 1,000 events a batch that was a fifth of the fold's CPU
(bench/fold_bench.py, py-spy). Here the statement is compiled once per dialect and set of keys, with SQLAlchemy
itself, and each row becomes a tuple through the very processors SQLAlchemy would have used; the rows then go
to the driver's executemany in one call (`exec_driver_sql`). What is stored is the same, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

_Plan = tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]
_plans: dict[tuple[sa.Insert | sa.Update, str, tuple[str, ...]], _Plan] = {}


def execute_many(connection: sa.Connection, statement: sa.Insert | sa.Update, rows: Sequence[dict[str, Any]]) -> None:
    """`connection.execute(statement, rows)`, faster; every row names the same keys."""
    if not rows:
        return
    sql, binds = _plan(connection.dialect, statement, tuple(rows[0]))
    connection.exec_driver_sql(sql, [tuple(process(row[key]) if process else row[key] for key, process in binds)
                                     for row in rows])


def _plan(dialect: sa.Dialect, statement: sa.Insert | sa.Update, keys: tuple[str, ...]) -> _Plan:
    # Keyed by the statement itself (by identity): pass module constants, or the cache grows with every call.
    cache_key = (statement, dialect.name, keys)
    plan = _plans.get(cache_key)
    if plan is None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        if not compiled.positional or compiled.positiontup is None:  # every driver Greenlight uses is positional
            raise TypeError(f"{dialect.name}: execute_many needs a positional paramstyle")
        binds: list[tuple[str, Callable[[Any], Any] | None]] = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            key = name if name in keys else bind.key
            binds.append((key, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        _plans[cache_key] = (compiled.string, binds)
    return _plans[cache_key]
