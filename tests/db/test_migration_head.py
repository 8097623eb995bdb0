"""A database already at the newest revision starts without alembic (its import alone is 0.17 s of every
service's start): the revision the code names as newest is alembic's own head, so that shortcut is safe."""

from __future__ import annotations

import asyncio
import sys

from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.migrate import HEAD, alembic_config, migrate


def test_the_named_head_is_alembics_head() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD]


async def test_a_database_at_head_is_not_handed_to_alembic(engine: AsyncEngine) -> None:
    await migrate(engine)  # a new database: alembic migrates it
    url = engine.url.render_as_string(hide_password=False)
    # A fresh interpreter: migrate again and report whether alembic got loaded.
    probe = ("import asyncio, sys\n"
             "from sqlalchemy.ext.asyncio import create_async_engine\n"
             "from services.shared.db.migrate import migrate\n"
             f"engine = create_async_engine({url!r})\n"
             "async def main():\n"
             "    await migrate(engine)\n"
             "    await engine.dispose()\n"
             "asyncio.run(main())\n"
             "print('alembic' in sys.modules)\n")
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", probe, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "False", err.decode()
