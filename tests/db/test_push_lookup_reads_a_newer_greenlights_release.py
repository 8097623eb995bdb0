"""A push to an app whose releases include one a newer Greenlight folded (a state and a field this version does not
know: a rolling upgrade, tests/approval/newer_replica.py) is answered, not failed.

The push's lookup of its commit (push_desk.py `released_commit`) validated every snapshot of the app with this
version's Release model: such a snapshot raised a ValidationError, and the git host got a 500 for every push to
that app until the release left the table's reach. The commit is now compared by the column the fold writes (or the
snapshot's `commit` read as text), so such a release is found by its commit and passed over for another's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.approval.push_desk import released_commit
from services.shared.db.engine import writing
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import releases
from services.shared.release import Release
from tests.approval.newer_replica import NEW_STATE, NEWER_FIELDS

SCANNED, OTHER = "a" * 40, "b" * 40


def newer_row(rid: str, commit: str, *, with_column: bool) -> dict[str, object]:
    """Its row as the newer fold writes it (`with_column`), or as one without the column would (its snapshot alone)."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    snapshot = json.loads(Release(id=rid, app="shop", repository="https://example.org/shop.git", commit=commit,
                                  requested_by="ann", created_at=at, updated_at=at).model_dump_json())
    snapshot |= {"state": NEW_STATE, "seq": 4, **NEWER_FIELDS}
    return {"id": rid, "app": "shop", "state": NEW_STATE, "seq": 4, "requested_by": "ann", "created_at": at,
            "updated_at": at, "in_flight": True, "snapshot": json.dumps(snapshot),
            **({"commit_sha": commit} if with_column else {})}


async def test_a_newer_versions_release_is_compared_by_its_commit_alone(database: ReleaseDatabase) -> None:
    async with writing(database.engine) as connection:
        await connection.execute(releases.insert(), [newer_row("newer", SCANNED, with_column=True)])
    assert await released_commit(database, "shop", SCANNED) == "newer"
    assert await released_commit(database, "shop", OTHER) is None


async def test_a_newer_release_without_the_column_is_read_from_its_snapshot(database: ReleaseDatabase) -> None:
    async with writing(database.engine) as connection:
        await connection.execute(releases.insert(), [newer_row("newer", SCANNED, with_column=False)])
    assert await released_commit(database, "shop", SCANNED) == "newer"
    assert await released_commit(database, "shop", OTHER) is None
