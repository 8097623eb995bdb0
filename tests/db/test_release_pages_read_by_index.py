"""GET /releases reads a page from the cursor's place in an index, however deep the cursor and whichever filter.

The cursor's condition was `created_at < t OR (created_at = t AND id < i)`: SQLite derives a range from it, but
PostgreSQL only filtered on it, walking the index from the newest release and discarding every row before the
cursor, so the nth page read n pages of rows and paging through a history read it quadratically. The plans are
checked on both databases over thousands of releases (PostgreSQL analysed; SQLite with no statistics, as run).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.shared.db import queries
from services.shared.db.engine import writing
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import events, greenlight_approvals, projection, releases
from services.shared.protocol import ReleaseState
from tests.db.query_plans import plan

MANY = 5000
START = datetime(2026, 1, 1, tzinfo=UTC)
FILTERS = (queries.ReleaseFilter(), queries.ReleaseFilter(app="app1"), queries.ReleaseFilter(state=ReleaseState.LIVE),
           queries.ReleaseFilter(requested_by="u1"),
           queries.ReleaseFilter(app="app1", state=ReleaseState.LIVE),
           queries.ReleaseFilter(since=START, until=START + timedelta(days=30)))


AFTER = (START + timedelta(minutes=4900), "R04900")  # the second page's cursor: nearly all rows lie past it


async def _filled(database: ReleaseDatabase) -> None:
    """MANY releases, each decided by one of three approvers; every other one also approved earlier by another of
    them, and every 500th by a rare approver (`x`)."""
    rows = [{"id": f"R{n:05}", "app": f"app{n % 5}", "state": ("live", "failed", "rejected")[n % 3], "seq": 1,
             "requested_by": f"u{n % 7}", "approver": f"a{n % 3}", "created_at": START + timedelta(minutes=n),
             "updated_at": START, "in_flight": False, "snapshot": "{}"} for n in range(MANY)]
    given = [{"release_id": f"R{n:05}", "approver": f"a{(n + 1) % 3}" if n % 500 else "x", "approved_at": START,
              "release_created_at": None if n % 1000 == 2 else START + timedelta(minutes=n)}  # a few from 0016's code
             for n in range(0, MANY, 2)]
    async with writing(database.engine) as connection:
        await connection.execute(releases.insert(), rows)
        await connection.execute(greenlight_approvals.insert(), given)
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE")


async def test_a_deep_page_starts_at_the_cursor_in_an_index(database: ReleaseDatabase) -> None:
    await _filled(database)
    after = AFTER
    async with database.engine.connect() as connection:
        for where in FILTERS:
            found = await plan(connection, queries.page_query(where, 51, after))
            assert "Seq Scan" not in found and "SCAN releases" not in found, (where, found)
            assert "TEMP B-TREE FOR ORDER BY" not in found, (where, found)
            if connection.dialect.name == "postgresql":
                conditions = [line for line in found.splitlines() if "Index Cond" in line]
                # The index range ends at the cursor's time: no row before the cursor is read.
                assert any("created_at <= '2026-01-04 09:40:00+00'" in line for line in conditions), (where, found)
                assert "Sort Key" not in found or "Presorted Key: created_at" in found, (where, found)
            else:
                assert "created_at<?" in found, (where, found)
            # The first page walks an index in order and stops at the limit: no scan of the table, no full sort.
            first = await plan(connection, queries.page_query(where, 51, None))
            assert "Seq Scan" not in first and "SCAN releases\n" not in first + "\n", (where, first)
            assert "Sort Key" not in first or "Presorted Key: created_at" in first, (where, first)
            assert "TEMP B-TREE FOR ORDER BY" not in first, (where, first)


async def test_an_approvers_page_reads_both_sides_by_index(database: ReleaseDatabase) -> None:
    """By approver, a page is the first `limit` of the releases the approver decided (read from the cursor's place
    in releases_by_approver) and of those they gave an earlier approval to (from the cursor's place in
    greenlight_approvals_by_approver, by the release's creation time copied into the approval), and of the few
    approvals 0016's code recorded without that time (the same index, approver then null, sorted): only those
    pages, at most three times the limit, are merged in the list's order."""
    await _filled(database)
    async with database.engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        for approver in ("a1", "x"):
            for after in (AFTER, None):
                found = await plan(connection, queries.page_query(queries.ReleaseFilter(approver=approver), 51, after))
                assert "Seq Scan" not in found and "SCAN releases\n" not in found + "\n", (approver, after, found)
                assert "greenlight_approvals_by_approver" in found or "greenlight_approvals_pkey" in found, found
                assert "Seq Scan" not in found and "SCAN releases\n" not in found + "\n", (approver, after, found)
                lines = found.splitlines()
                if postgresql:
                    given = next(line for line in lines
                                 if "Index Cond" in line and "release_created_at IS NOT NULL" in line)
                    assert f"'{approver}'::text" in given, found
                    assert after is None or "release_created_at <= '2026-01-04 09:40:00+00'" in given, found
                    if approver == "a1":  # many: walked in the index's order up to the limit, nothing sorted below it
                        scan = next(i for i, line in enumerate(lines)
                                    if "Backward using greenlight_approvals_by_approver" in line)
                        limit = max(i for i in range(scan) if "Limit" in lines[i])
                        assert not any("Sort" in line for line in lines[limit:scan]), found
                else:
                    decided = next(i for i, line in enumerate(lines) if "releases_by_approver" in line)
                    assert "(approver=?" in lines[decided] and (after is None or "created_at<?" in lines[decided])
                    given = next(i for i, line in enumerate(lines)
                                 if "greenlight_approvals_by_approver (approver=? AND release_created_at>?" in line)
                    side = lines[given:next(i for i in range(given, len(lines)) if lines[i].startswith("SCAN anon"))]
                    assert not any("TEMP B-TREE" in line for line in side), found  # read in the index's order


async def test_stream_gaps_and_a_history_are_read_by_index(database: ReleaseDatabase) -> None:
    rows = [{"release_id": f"R{n // 10:05}", "seq": n % 10 + 1, "variant": 0, "app": f"app{n % 5}",
             "state": "live", "actor": "t", "occurred_at": START, "log_offset": n, "note": None, "body": "{}"}
            for n in range(MANY)]
    async with writing(database.engine) as connection:
        await connection.execute(events.insert(), rows)
        await connection.execute(projection.insert(), {"stream": "greenlight.events", "log_offset": MANY - 1,
                                                              "updated_at": START})
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE events")
    async with database.engine.connect() as connection:
        # An app's gap may be read by offset with the app filtered (PostgreSQL's choice, from its statistics) or by
        # app and offset: either reads only the gap's offsets, never the whole log.
        for query, indexes in ((queries.followed(100, None), ("events_by_offset",)),
                               (queries.followed(100, "app1"), ("events_by_offset", "events_by_app_offset")),
                               (queries.followed(100, "app1", 200), ("events_by_offset", "events_by_app_offset")),
                               (queries.HISTORY.params(id="R00042"), ("one_event_per_seq_variant", "autoindex_events")),
                               (queries.DETAIL.params(id="R00042"), ("one_event_per_seq_variant", "autoindex_events"))):
            found = await plan(connection, query)
            assert any(index in found for index in indexes), found
            assert "Seq Scan on events" not in found and "SCAN events\n" not in found + "\n", found
