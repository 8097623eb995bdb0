"""The fold's statements straight through the driver's cursor: SQLAlchemy compiles them, once, and steps aside.

`Connection.execute` costs more CPU than SQLite takes to run one of the fold's keyed statements: per call it looks
the statement up in the compiled cache, builds and processes a parameter dict, sets up an execution context and a
result (measured: 0.27 ms of SQLite's own statement execution in a 1.69 ms single-event fold on this machine; the
orchestration bench's writer thread under py-spy and cProfile). The fold runs 5 to 10 of them per transaction and a
release makes about 13 such transactions, so here each statement is compiled by SQLAlchemy itself, once per dialect,
set of keys and length of each expanding list, and each call only turns its parameters into a tuple through the very
bind processors SQLAlchemy would have used. What is stored is the same, byte for byte (tests/db/
test_driver_statements.py). Driver errors are raised as SQLAlchemy's own (IntegrityError, OperationalError…), so
callers catch what they always caught; a lost connection is invalidated, as SQLAlchemy would do.
Rows come back as the driver's tuples: read them by position, and only columns whose driver value is what the
caller compares (strings, integers, booleans as 0/1 on SQLite), never times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

Processor = Callable[[Any], Any] | None
# sql, and per placeholder: (parameter key, index within an expanding list or None, fixed value, processor)
_Plan = tuple[str, list[tuple[str, int | None, Any, Processor]]]
_plans: dict[tuple[Any, ...], _Plan] = {}
_UNSET = object()


def fetch(connection: sa.Connection, statement: sa.ClauseElement, params: dict[str, Any] | None = None
          ) -> list[tuple[Any, ...]]:
    """`connection.execute(statement, params).tuples().all()`, faster; [] for a statement that returns no rows."""
    params = params or {}
    sql, binds = _plan(connection.dialect, statement, params)
    return _run(connection, sql, [_values(binds, params)], many=False)


def execute_many(connection: sa.Connection, statement: sa.Insert | sa.Update, rows: Sequence[dict[str, Any]]) -> None:
    """`connection.execute(statement, rows)`, faster; every row names the same keys (and no expanding list)."""
    if not rows:
        return
    sql, binds = _plan(connection.dialect, statement, rows[0])
    _run(connection, sql, [_values(binds, row) for row in rows], many=True)


def run_driver_sql(connection: sa.Connection, sql: str) -> None:
    """`connection.exec_driver_sql(sql)` for a statement without parameters or rows (BEGIN), faster."""
    _run(connection, sql, [()], many=False)


def _values(binds: list[tuple[str, int | None, Any, Processor]], params: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for key, index, fixed, process in binds:
        value = params[key] if fixed is _UNSET else fixed
        if index is not None:
            value = value[index]
        values.append(process(value) if process else value)
    return tuple(values)


def _run(connection: sa.Connection, sql: str, values: list[tuple[Any, ...]], *, many: bool) -> list[tuple[Any, ...]]:
    dbapi = connection.connection  # the pooled DBAPI connection, inside the transaction `connection` began
    cursor = dbapi.cursor()
    try:
        if many:
            cursor.executemany(sql, values)
            return []
        cursor.execute(sql, values[0])
        return list(cursor.fetchall()) if cursor.description else []
    except connection.dialect.loaded_dbapi.Error as exc:
        lost = connection.dialect.is_disconnect(exc, dbapi, cursor)
        if lost:
            connection.invalidate(exc)
        raise sa.exc.DBAPIError.instance(sql, values if many else values[0], exc,
                                          connection.dialect.loaded_dbapi.Error, connection_invalidated=lost) from exc
    finally:
        cursor.close()


def _plan(dialect: sa.Dialect, statement: sa.ClauseElement, params: dict[str, Any]) -> _Plan:
    # Keyed by the statement itself (by identity): pass module constants, or the cache grows with every call. An
    # expanding list adds a plan per length it is seen with: at most the batch size (1,000) per statement.
    lengths = tuple(len(v) for v in params.values() if isinstance(v, list | tuple))
    cache_key = (statement, dialect.name, tuple(params), lengths)
    plan = _plans.get(cache_key)
    if plan is None:
        compiled: Any = statement.compile(dialect=dialect, column_keys=list(params))
        if not compiled.positional:  # every driver Greenlight uses is positional
            raise TypeError(f"{dialect.name}: the fold's statements need a positional paramstyle")
        expanded = compiled.construct_expanded_state(params)
        position = {name: (base, i) for base, names in expanded.parameter_expansion.items()
                    for i, name in enumerate(names)}
        binds: list[tuple[str, int | None, Any, Processor]] = []
        for name in expanded.positiontup:
            base, index = position.get(name, (name, None))
            bind = compiled.binds[base]
            key = base if base in params else bind.key
            fixed = _UNSET if key in params else bind.value  # a literal bound when the statement was built
            binds.append((key, index, fixed, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        plan = _plans[cache_key] = (expanded.statement, binds)
    return plan
