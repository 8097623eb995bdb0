"""A PostgreSQL GREENLIGHT_DATABASE_URL with a query parameter asyncpg does not take (`?sslmode=require`, the way
libpq, psql and most providers' connection strings ask for TLS) stops the service with the one line naming the
setting, not a traceback.

SQLAlchemy hands the URL's query to asyncpg.connect as keyword arguments, which raises TypeError ("connect() got an
unexpected keyword argument 'sslmode'") at the first connection: check_reachable (engine.py) turns OSError,
TimeoutError and SQLAlchemy's errors into DatabaseUnavailable, not that one, so it went up through the start."""

from __future__ import annotations

import pytest

from services.shared.db.engine import DatabaseUnavailable
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from tests.ports import free_port


@pytest.mark.parametrize("query", ["sslmode=require", "connect_timeout=5"])
async def test_a_query_parameter_the_driver_does_not_take_is_one_line_naming_the_setting(query: str) -> None:
    url = f"postgresql+asyncpg://greenlight:pa55word@127.0.0.1:{free_port()}/gl?{query}"
    try:
        engine = await open_migrated(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    except DatabaseUnavailable as exc:
        line = str(exc)
    except TypeError as exc:
        raise AssertionError(f"the start ended in a traceback, not one line: {exc!r}") from None
    else:
        await engine.dispose()
        raise AssertionError("a database nothing listens for was opened")
    assert "GREENLIGHT_DATABASE_URL" in line and query.split("=")[0] in line and "\n" not in line, line
    assert "pa55word" not in line, line
