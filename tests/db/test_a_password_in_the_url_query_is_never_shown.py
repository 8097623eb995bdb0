"""A password given in GREENLIGHT_DATABASE_URL's query (`postgresql+asyncpg://user@host/db?password=...`, which asyncpg
takes like one in the userinfo) is never printed: not by the line a start that cannot reach the database ends
with, nor by the "read model ready" line every start logs.

Both name the database by engine.py's `describe`, which masks only the userinfo's password
(`render_as_string(hide_password=True)`); services/shared/redact.py's `redact_url`, which masks credential-like
query values too, is not used there."""

from __future__ import annotations

from services.shared.db.engine import DatabaseUnavailable, describe
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings
from tests.ports import free_port

SECRET = "pa55word"


async def test_a_password_in_the_query_is_not_in_the_line_an_unreachable_database_ends_a_start_with() -> None:
    url = f"postgresql+asyncpg://greenlight@127.0.0.1:{free_port()}/gl?password={SECRET}"
    try:
        engine = await open_migrated(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    except DatabaseUnavailable as exc:
        line = str(exc)
    else:
        await engine.dispose()
        raise AssertionError("a database nothing listens for was opened")
    assert line.startswith("cannot use the database at GREENLIGHT_DATABASE_URL="), line
    assert SECRET not in line, line


def test_a_password_in_the_query_is_not_in_the_database_a_start_logs() -> None:
    settings = DatabaseSettings(  # type: ignore[call-arg]
        GREENLIGHT_DATABASE_URL=f"postgresql+asyncpg://greenlight@db.internal:5432/gl?password={SECRET}")
    shown = describe(settings)  # services/shared/db/runtime.py logs it: "read model ready", database=...
    assert "db.internal" in shown and SECRET not in shown, shown
