"""GET /releases/{id} shows the release and its history as of one moment, whatever commits while it reads.

It read the release's row, then its history, in two statements: on PostgreSQL (READ COMMITTED) and SQLite alike
each saw its own moment, and a fold committed between them answered a release still `requested` beside a history
already `building` (or, the other way, an approval status made of a history that had moved on). It is one statement
now (queries.DETAIL). Here the next event is committed by another connection before every read the request sends
after its first: deterministic, and a read of one statement is simply not interrupted. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
from typing import Any
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from services.approval.settings import ApprovalSettings
from services.shared.db import driver
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER, api_client, request_release


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


async def test_the_release_and_its_history_come_from_one_moment(settings: ApprovalSettings, any_database: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    async with api_client(settings) as client:
        database = client.server.app[DATABASE]
        release_id = (await request_release(client))["id"]
        # The log's echo of `requested` folded first: the projector writes nothing of this release after.
        folded = database.follow(-1, lambda event: event.release_id == release_id)
        async with asyncio.timeout(30), contextlib.aclosing(folded):
            await anext(folded)
        stored = await database.history(release_id)
        assert [s.event.state for s in stored] == [S.REQUESTED]
        building = stored[0].event.next(S.BUILDING, actor="builder")
        # What the fold of `building` commits: the release's row and its event.
        sql = (f"UPDATE releases SET state = 'building', seq = 2, snapshot = "
               f"{quoted(building.release.model_dump_json())} WHERE id = {quoted(release_id)}; "
               "INSERT INTO events (release_id, seq, variant, app, state, actor, occurred_at, log_offset, body) "
               f"VALUES ({quoted(release_id)}, 2, 0, 'demo', 'building', 'builder', "
               f"{quoted(building.occurred_at.strftime('%Y-%m-%d %H:%M:%S.%f'))}, 1000000, "
               f"{quoted(building.model_dump_json())});")

        def commit_elsewhere() -> None:
            if database.engine.dialect.name == "postgresql":
                parsed = urlparse(any_database.replace("+asyncpg", ""))
                subprocess.run(["psql", f"postgresql://{parsed.netloc}{parsed.path}", "-v", "ON_ERROR_STOP=1",
                                "-qc", f"BEGIN; {sql} COMMIT;"], check=True, capture_output=True, timeout=30)
            else:
                other = sqlite3.connect(database.engine.url.database or "", timeout=30, isolation_level=None)
                other.executescript(f"BEGIN IMMEDIATE; {sql} COMMIT;")
                other.close()

        reads: list[str] = []

        def before_a_read(statement: str) -> None:
            if statement.lstrip().upper().startswith(("SELECT", "(SELECT")):
                reads.append(statement)
                if len(reads) == 2:
                    commit_elsewhere()

        def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            before_a_read(statement)

        run = driver._run

        def run_through_the_driver(connection: sa.Connection, sql: str, *args: Any, **kwargs: Any) -> Any:
            before_a_read(sql)
            return run(connection, sql, *args, **kwargs)

        engines = [database.engine.sync_engine, *(e for e in (database.reader._sync,) if e is not None)]
        with monkeypatch.context() as patch:
            patch.setattr(driver, "_run", run_through_the_driver)
            for engine in engines:
                sa.event.listen(engine, "before_cursor_execute", on_execute)
            try:
                response = await client.get(f"/releases/{release_id}", headers=REQUESTER)
            finally:
                for engine in engines:
                    sa.event.remove(engine, "before_cursor_execute", on_execute)
        assert reads, "the read was not seen"
        if len(reads) < 2:  # one statement: nothing came between, and the commit comes after it
            commit_elsewhere()
        detail = await response.json()
        states = [event["state"] for event in detail["history"]]
        assert detail["release"]["state"] == states[-1], (detail["release"]["state"], states)
        after = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert after["release"]["state"] == "building" and [e["state"] for e in after["history"]] == [
            "requested", "building"]
