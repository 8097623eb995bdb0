"""The delivery metrics read a window's changes' earlier history by app and commit (index `events_by_app_commit`).

They read every earlier `live`/`verifying`, `built` and `requested` event of the log, parsing each body, to learn
when each of the window's commits first went live and which releases were given images: 0.67 s per reading at
200,000 earlier `live` events on SQLite, on every `/metrics` refresh and `GET /metrics/delivery`. The plans are
checked here, on both databases, over a history of thousands of releases logged before the index was made
(PostgreSQL with the statistics migration 0009 gathers; SQLite with none, as Greenlight runs it).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval import delivery_queries, delivery_reads
from services.shared.db.engine import writing
from services.shared.db.migrate import migrate
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events
from services.shared.protocol import ReleaseState as S
from tests.db.query_plans import plan
from tests.metrics.delivery_log import SINCE, commit_of, released

EARLIER = 5000  # releases live before the window, each `requested`, `built` and `live`
APPS = [f"app{n}" for n in range(5)]
IMAGE = "registry.example.org/shop@sha256:" + "a" * 64


def earlier_history() -> list[dict[str, Any]]:
    """The log's rows of `EARLIER` releases, made from one release's bodies (made one by one, they take seconds)."""
    template = {e.state: json.loads(e.model_dump_json()) for e in released("T", "x", SINCE, SINCE, SINCE)}
    rows = []
    for n in range(EARLIER):
        rid, at = f"E{n}", SINCE - timedelta(days=300) + timedelta(minutes=n)
        for seq, state in enumerate((S.REQUESTED, S.BUILT, S.LIVE), start=1):
            body = {**template[state], "release_id": rid, "app": APPS[n % 5], "seq": seq,
                    "release": {**template[state]["release"], "id": rid, "app": APPS[n % 5], "commit": commit_of(rid)}}
            rows.append({"release_id": rid, "seq": seq, "variant": 0, "app": APPS[n % 5], "state": state.value,
                         "actor": "t", "occurred_at": at, "body": json.dumps(body)})
    return rows


def window() -> list[list[Any]]:
    promoted = [released(f"P{n}", APPS[n % 5], SINCE + timedelta(hours=n), SINCE + timedelta(hours=n, minutes=5),
                         commit=commit_of(f"E{n}"), details={S.REQUESTED: {"from_release": f"E{n}", "image": IMAGE},
                                                             S.BUILT: {"commits": []}}) for n in range(4)]
    # A commit first released as a given image before the window: that was no deployment of it.
    given = released("G", "app0", SINCE - timedelta(days=2), SINCE - timedelta(days=1), commit="c" * 40,
                     details={S.REQUESTED: {"image": IMAGE}, S.BUILT: {"commits": []}})
    built = [released(f"W{n}", APPS[n % 5], SINCE + timedelta(days=1, hours=n),
                      SINCE + timedelta(days=1, hours=n, minutes=30), SINCE, commit="c" * 40 if n == 0 else None)
             for n in range(16)]
    return [*promoted, given, *built]


async def test_earlier_lives_and_first_builds_are_found_by_app_and_commit(engine: AsyncEngine) -> None:
    await migrate(engine, "0008")  # a log kept before the index, then Greenlight upgraded
    async with writing(engine) as connection:
        await connection.execute(events.insert(), earlier_history())
        await connection.execute(events.insert(), [
            {**e.model_dump(include={"release_id", "seq", "app", "actor", "occurred_at"}), "variant": 0,
             "state": e.state.value, "body": e.model_dump_json()} for r in window() for e in r])
    await migrate(engine)
    database = ReleaseDatabase(engine)
    _, summaries, lives = await delivery_reads.window_summaries(database, SINCE)
    # The promoted commits first went live before the window with their first releases; the commit first given
    # as an image did not.
    assert lives == {(APPS[n % 5], commit_of(f"E{n}")): SINCE - timedelta(days=300) + timedelta(minutes=n)
                     for n in range(4)}
    commits = sorted({s.commit for s in summaries if s.commit is not None})
    assert len(commits) == 20
    async with database.engine.connect() as connection:
        first_lives = await plan(connection, delivery_queries.first_lives(SINCE, APPS, commits))
        first_builds = await plan(connection, delivery_reads._events_of(
            delivery_queries.first_builds(APPS, commits).subquery("first_builds")))
    for found in (first_lives, first_builds):
        assert "events_by_app_commit" in found, found
        assert "events_by_state_time" not in found and "Seq Scan on events" not in found, found
        assert "SCAN events" not in found and "SCAN request" not in found, found
    if database.engine.dialect.name == "sqlite":
        assert "events_by_app_commit (app=? AND <expr>=? AND state=? AND occurred_at<?)" in first_lives
        assert "USING INDEX sqlite_autoindex_events_1 (release_id=?)" in first_lives, first_lives
        assert "events_by_app_commit (app=? AND <expr>=? AND state=?)" in first_builds
        assert "SEARCH events USING INTEGER PRIMARY KEY (rowid=?)" in first_builds, first_builds


