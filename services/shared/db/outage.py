"""The database out of reach while running (stopped, restarting, failing over, the network): a dependency's outage
like the broker's or the registry's, not a bug. (At start-up, engine.py's DatabaseUnavailable ends the process with
one line instead.)

A worker's handler that meets it retries the message after a backoff on the broker (`Retry`, within
GREENLIGHT_RETRY_BUDGET) instead of spending its deliveries in a second and failing the release; the API answers
503 with Retry-After instead of 500 and a traceback per request (services/approval/errors.py).
"""

from __future__ import annotations

import sqlite3
import traceback

import sqlalchemy as sa

from services.shared.transient import Retry

# Where a refused or timed-out connect is raised from. The drivers raise it bare (it is no DBAPI error, so
# SQLAlchemy does not wrap it): its origin is what tells it from an OSError of anything else the caller did.
_DRIVERS = ("asyncpg", "aiosqlite", "sqlalchemy", "sqlite3")
_SQLITE_PASSING = ("database is locked", "unable to open database file", "disk i/o error")
# admin_shutdown, crash_shutdown, cannot_connect_now (starting up, shutting down), too_many_connections.
_AWAY = frozenset({"57P01", "57P02", "57P03", "53300"})


class DatabaseOutage(Retry):
    dependency = "the database"


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached or the connection to it was lost, as opposed to a
    statement that failed (a constraint, a bug)."""
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa.exc.InterfaceError) or _server_away(exc.orig):
            return True
        if isinstance(exc, sa.exc.OperationalError):
            # SQLite files its schema and syntax errors as OperationalError too: only these few are passing.
            return not isinstance(exc.orig, sqlite3.Error) or any(
                passing in str(exc.orig).lower() for passing in _SQLITE_PASSING)
        return False
    if isinstance(exc, sa.exc.TimeoutError):  # the pool had no connection to give in time
        return True
    return isinstance(exc, OSError | TimeoutError) and _raised_in_a_driver(exc)


def _server_away(orig: BaseException | None) -> bool:
    """PostgreSQL answering that it takes no connection now (starting up, shutting down, full, a database closed
    to connections) or lost it: asyncpg's error reaches SQLAlchemy as a plain DBAPIError, no OperationalError."""
    sqlstate = str(getattr(orig, "sqlstate", None) or "")
    return sqlstate.startswith("08") or sqlstate in _AWAY or (
        sqlstate == "55000" and "not currently accepting connections" in str(orig))


def _raised_in_a_driver(exc: BaseException) -> bool:
    modules = (frame.f_globals.get("__name__", "") for frame, _ in traceback.walk_tb(exc.__traceback__))
    return any(module.split(".", 1)[0] in _DRIVERS for module in modules)


def outage_of(exc: BaseException) -> DatabaseOutage:
    """The `Retry` that stands for `exc`, with its first line as the reason (never a statement's parameters)."""
    first = (str(exc).splitlines() or [type(exc).__name__])[0]
    return DatabaseOutage(f"the database is unavailable: {first[:200]}")
