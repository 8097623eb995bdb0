"""The read model at this version's schema holds the previous version's events and a newer one's, and reads them back.

Migrations 0008-0010 only add a table and indexes; the fold's SQL (fold.py, rows.py, fold_release.py) is the one
commit 0f6c1eb ran, so recording its events here is inserting them as it did, against the new schema (0009's index
reads every body's `release.commit`). A newer version's release, with fields this one does not know in its spec,
is stored and read back from its snapshot with them (it was refused at every read of the snapshot).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from services.shared.db.queries import ReleaseFilter
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import parse_event
from tests.db.conftest import database, engine  # noqa: F401 - fixtures: both databases, migrated to head

with (Path(__file__).parent / "events_0f6c1eb.jsonl").open() as lines:
    OLD: dict[str, dict[str, Any]] = {item["label"]: item["body"] for item in map(json.loads, lines)}
LIVE = ["requested", "building", "built", "pushing", "pushed", "deploying", "analysing", "analysing-measurement",
        "awaiting_approval", "approved", "switching", "verifying", "live"]
ENDED = ["requested-2", "building-2", "failed", "requested-3", "aborted"]


async def test_the_previous_versions_events_are_stored_and_read(database: ReleaseDatabase) -> None:  # noqa: F811
    await database.record_all([parse_event(json.dumps(OLD[label]).encode()) for label in LIVE + ENDED])
    release, history = await database.detail("r-old-1")
    assert release is not None and release.state == "live" and release.spec is not None
    assert [json.loads(stored.event.dumps()) for stored in history] == [OLD[label] for label in LIVE]
    assert {r.id for r in (await database.page(ReleaseFilter(app="tmapp"), 10, None))[0]} == {
        "r-old-1", "r-old-3", "r-old-4"}
    failed = await database.get("r-old-3")
    assert failed is not None and failed.error is not None and failed.error.log_tail == "...\nERROR"


async def test_a_newer_versions_release_is_stored_and_read_with_its_fields(
        database: ReleaseDatabase) -> None:  # noqa: F811
    newer = []
    for label in LIVE:
        body = json.loads(json.dumps(OLD[label]))
        body["release"]["region"] = "eu-west-1"
        if body["release"]["spec"] is not None:
            body["release"]["spec"]["termination_grace_seconds"] = 45
            body["release"]["spec"]["approval"]["required_teams"] = ["sre"]
        newer.append(parse_event(json.dumps(body).encode()))
    await database.record_all(newer)
    release = await database.get("r-old-1")
    assert release is not None
    written = json.loads(release.model_dump_json())
    assert written["region"] == "eu-west-1"
    assert written["spec"]["termination_grace_seconds"] == 45
    assert written["spec"]["approval"]["required_teams"] == ["sre"]
    assert [r.id for r in (await database.page(ReleaseFilter(app="tmapp"), 10, None))[0]] == ["r-old-1"]
