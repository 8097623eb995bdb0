"""Two replicas started at once after an upgrade (PostgreSQL): one migrates, building 0009's index concurrently (and
0010's), the other waits its turn and then finds the database at head; both start, and the index is built once, valid.

The wait is where this could go wrong: a concurrent build waits for every transaction whose snapshot is older than
its own, so a replica blocked in `pg_advisory_lock` (or, as before, `pg_advisory_xact_lock` in its migration's
transaction) while another builds would be waited for by that build while waiting for it: PostgreSQL's deadlock
detector then kills one of the two, failing a start or leaving the index INVALID. Here the test holds the migration
lock until both replicas say they wait for it, then lets go.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import sqlalchemy as sa

from services.shared.db.engine import open_engine
from services.shared.db.migrate import HEAD, MIGRATION_LOCK
from services.shared.db.settings import DatabaseSettings
from tests.db.index_builds import BY_REVISION, filled_before, index_state

ROOT = Path(__file__).parents[2]
START = ("import asyncio\n"
         "from services.shared.db.migrate import open_migrated\n"
         "from services.shared.db.settings import DatabaseSettings\n"
         "async def main():\n"
         "    engine = await open_migrated(DatabaseSettings())\n"
         "    await engine.dispose()\n"
         "asyncio.run(main())\n")


async def _waiting_for_its_turn(replica: asyncio.subprocess.Process) -> list[str]:
    """The replica's lines up to the one that says it waits for another's migration."""
    lines: list[str] = []
    assert replica.stdout is not None
    while not lines or "waiting for another process to migrate" not in lines[-1]:
        line = (await replica.stdout.readline()).decode()
        assert line, f"the replica ended without waiting: {lines}"
        lines.append(line)
    return lines


async def test_two_replicas_upgrading_at_once_both_start(postgres_url: str) -> None:
    engine = open_engine(DatabaseSettings(GREENLIGHT_DATABASE_URL=postgres_url))  # type: ignore[call-arg]
    replicas: list[asyncio.subprocess.Process] = []
    try:
        await filled_before(engine, BY_REVISION["0009"])  # at 0008, the log holding 50,000 events
        async with engine.connect() as gate:
            await gate.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            await gate.commit()
            for _ in range(2):
                replicas.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-c", START, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT))
            async with asyncio.timeout(60):
                said = await asyncio.gather(*(_waiting_for_its_turn(replica) for replica in replicas))
            await gate.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            await gate.commit()
        async with asyncio.timeout(120):
            outputs = ["".join(lines) + (await replica.communicate())[0].decode()
                       for lines, replica in zip(said, replicas, strict=True)]
        assert [replica.returncode for replica in replicas] == [0, 0], outputs
        assert sum(output.count("database migrated") for output in outputs) == 1, outputs  # one after the other
        valid, definition = await index_state(engine, "events_by_app_commit") or (False, "none")
        assert valid and "'{release,commit}'" in definition, definition
        async with engine.connect() as connection:
            assert (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar() == HEAD
    finally:
        for replica in replicas:
            if replica.returncode is None:
                replica.kill()
                await replica.wait()
        await engine.dispose()
