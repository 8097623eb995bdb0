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

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER, api_client, request_release
from tests.db.commit_between_reads import before_the_second_read, commit_elsewhere


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

        with before_the_second_read(database, monkeypatch,
                                    lambda: commit_elsewhere(database, any_database, sql)) as reads:
            response = await client.get(f"/releases/{release_id}", headers=REQUESTER)
        assert reads, "the read was not seen"
        if len(reads) < 2:  # one statement: nothing came between, and the commit comes after it
            commit_elsewhere(database, any_database, sql)
        detail = await response.json()
        states = [event["state"] for event in detail["history"]]
        assert detail["release"]["state"] == states[-1], (detail["release"]["state"], states)
        after = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
        assert after["release"]["state"] == "building" and [e["state"] for e in after["history"]] == [
            "requested", "building"]
