"""A SQLite GREENLIGHT_DATABASE_URL whose directory cannot be made (a path under a regular file: a typo, a mount
that is a file) stops the service with the one line naming the setting, not an OSError's traceback.

engine.py makes the file's directory (`Path(...).parent.mkdir(...)`) before SQLAlchemy sees the URL, and
`open_engine` turns only SQLAlchemy's and import errors into DatabaseUnavailable: the NotADirectoryError (or
FileExistsError, PermissionError) went up through the service's start as a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.shared.db.engine import DatabaseUnavailable
from services.shared.db.migrate import open_migrated
from services.shared.db.settings import DatabaseSettings


@pytest.mark.parametrize("under", ["a-file/greenlight.db", "a-file/sub/greenlight.db"])
async def test_a_sqlite_directory_that_cannot_be_made_is_one_line_naming_the_setting(tmp_path: Path,
                                                                                    under: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    url = f"sqlite+aiosqlite:///{tmp_path}/{under}"
    try:
        engine = await open_migrated(DatabaseSettings(GREENLIGHT_DATABASE_URL=url))  # type: ignore[call-arg]
    except DatabaseUnavailable as exc:
        line = str(exc)
    except OSError as exc:
        raise AssertionError(f"the start ended in a traceback, not one line: {exc!r}") from None
    else:
        await engine.dispose()
        raise AssertionError("a database under a regular file was opened")
    assert "GREENLIGHT_DATABASE_URL" in line and "\n" not in line, line
