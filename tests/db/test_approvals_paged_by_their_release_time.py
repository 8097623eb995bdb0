"""The approvals side of `GET /releases?approver=` pages by the release's creation time copied into each approval
(migration 0017), so the copy must be the read model's own: in UTC, as `releases.created_at` is stored. A release
whose event carries its time with another offset (`+02:00`) was stamped with that wall time on SQLite (its DATETIME
drops the zone) and, paged one at a time, fell behind the cursor and was never listed. And an approval an older
Greenlight recorded without the time is stamped at its approver's next approval, so that it too is read in order.
On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from services.approval.approvals import Approvals
from services.shared.db.engine import writing
from services.shared.db.queries import ReleaseFilter
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.rows import utc
from services.shared.db.schema import greenlight_approvals, releases
from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from tests.harness import make_release

TEN = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


async def _stored(database: ReleaseDatabase, *made: Release) -> None:
    async with writing(database.engine) as connection:
        await connection.execute(releases.insert(), [
            {"id": r.id, "app": r.app, "state": r.state.value, "seq": r.seq, "requested_by": r.requested_by,
             "approver": r.approver, "created_at": utc(r.created_at), "updated_at": utc(r.updated_at),
             "in_flight": False, "snapshot": r.model_dump_json()} for r in made])


async def _paged(database: ReleaseDatabase, approver: str) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page, more = await database.page(ReleaseFilter(approver=approver), 1, after)
        ids += [r.id for r in page]
        if not more:
            return ids
        after = (page[-1].created_at, page[-1].id)


async def test_a_release_timed_in_another_zone_is_paged_in_its_place(database: ReleaseDatabase) -> None:
    # The same instant as 10:00Z, written as 12:00+02:00; the other release is an hour later.
    zoned = make_release("r1", "shop", state=S.APPROVED, approver="bob", created_at=TEN.astimezone(PLUS_TWO))
    later = make_release("r2", "shop", state=S.APPROVED, approver="bob", created_at=TEN + timedelta(hours=1))
    await _stored(database, zoned, later)
    approvals = Approvals(database.engine)
    for made in (zoned, later):
        assert await approvals.give(made, "alice", TEN, None)
    assert await _paged(database, "alice") == ["r2", "r1"]


async def test_an_approval_without_the_time_is_stamped_at_its_approvers_next(database: ReleaseDatabase) -> None:
    old = make_release("r1", "shop", state=S.APPROVED, approver="bob", created_at=TEN)
    new = make_release("r2", "shop", state=S.AWAITING_APPROVAL, created_at=TEN + timedelta(hours=1))
    await _stored(database, old, new)
    async with writing(database.engine) as connection:  # as 0016's code records it
        await connection.execute(sa.text(
            "INSERT INTO greenlight_approvals (release_id, approver, approved_at) VALUES ('r1', 'alice', :t)"),
            {"t": TEN})
    assert await _paged(database, "alice") == ["r1"]  # read apart meanwhile (the null side)
    assert await Approvals(database.engine).give(new, "alice", TEN, None)
    async with database.engine.connect() as connection:
        stamped = (await connection.execute(sa.select(greenlight_approvals.c.release_id,
                                                      greenlight_approvals.c.release_created_at)
                                            .order_by(greenlight_approvals.c.release_id))).all()
    assert [(r, utc(at)) for r, at in stamped] == [("r1", TEN), ("r2", TEN + timedelta(hours=1))]
    assert await _paged(database, "alice") == ["r2", "r1"]
