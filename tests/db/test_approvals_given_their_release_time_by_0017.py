"""Migration 0017 copies each release's `created_at` into the approvals already given to it
(`greenlight_approvals.release_created_at`, by which `GET /releases?approver=` pages them), leaves an approval whose
release the read model does not hold without one (found by the page's null side), and its downgrade takes the column
and its index away again. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.shared.db.engine import writing
from services.shared.db.migrate import migrate
from services.shared.db.rows import utc
from services.shared.db.schema import releases

START = datetime(2026, 1, 1, tzinfo=UTC)


async def test_each_approval_gets_its_release_time(engine: AsyncEngine) -> None:
    await migrate(engine, "0016")
    async with writing(engine) as connection:
        await connection.execute(releases.insert(), [
            {"id": f"r{n}", "app": "shop", "state": "live", "seq": 9, "requested_by": "ann", "approver": "bob",
             "created_at": START + timedelta(minutes=n), "updated_at": START, "in_flight": False, "snapshot": "{}"}
            for n in (1, 2)])
        for release_id, approver in (("r1", "carol"), ("r2", "carol"), ("r2", "dave"), ("unknown", "carol")):
            await connection.execute(sa.text(  # as 0016's code writes them: no release time
                "INSERT INTO greenlight_approvals (release_id, approver, approved_at) VALUES (:r, :a, :t)"),
                {"r": release_id, "a": approver, "t": START})
    await migrate(engine, "0017")
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.text(
            "SELECT release_id, approver, release_created_at FROM greenlight_approvals "
            "ORDER BY release_id, approver"))).all()
    stamped = {(r, a): None if at is None else utc(at if isinstance(at, datetime) else datetime.fromisoformat(at))
               for r, a, at in rows}
    assert stamped == {("r1", "carol"): START + timedelta(minutes=1), ("r2", "carol"): START + timedelta(minutes=2),
                       ("r2", "dave"): START + timedelta(minutes=2), ("unknown", "carol"): None}
    await migrate(engine, "0016", down=True)
    async with engine.connect() as connection:
        columns, indexes = await connection.run_sync(lambda c: (
            {column["name"] for column in sa.inspect(c).get_columns("greenlight_approvals")},
            {index["name"] for index in sa.inspect(c).get_indexes("greenlight_approvals")}))
    assert "release_created_at" not in columns and "greenlight_approvals_by_approver" not in indexes
