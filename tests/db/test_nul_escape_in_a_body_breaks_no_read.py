"""A body the log carries may hold `\\u0000` in its JSON: a failed build's reason quoting what a hostile RUN printed,
an analysis value read from an app's answer. Stored as text that is fine, but PostgreSQL's JSON refuses it at
every read that looks into a body ("unsupported Unicode escape sequence"): one such release broke the rollback's
and the app facts' `staged_since` for its app, and the delivery metrics for every app, for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.approval.delivery_reads import window_summaries
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from tests.db.conftest import HAPPY, chain

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TO_LIVE = (*HAPPY, S.APPROVED, S.SWITCHING, S.LIVE)
DEPLOY = (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING)


async def test_reads_of_bodies_holding_a_nul_escape(database: ReleaseDatabase) -> None:
    live = chain("live", states=TO_LIVE, standby_colour=Colour.GREEN, created_at=T0)
    broke = chain("broke", states=DEPLOY, created_at=T0 + timedelta(minutes=1))
    broke.append(broke[-1].next(S.FAILED, actor="deployer",
                                error=ReleaseError(step="deploy", reason="RUN printed a\x00b")))
    measured = chain("measured", app="blog", states=TO_LIVE, created_at=T0 + timedelta(minutes=2))
    measured[-1] = measured[-1].model_copy(update={"details": {"measurement": {"value": "x\x00y"}}})
    await database.record_all([*live, *broke, *measured])

    found = await database.staged_since("demo", T0, ["live"])
    assert found is not None and found.id == "broke"
    _, summaries, _ = await window_summaries(database, T0 - timedelta(days=1))
    assert {s.release_id for s in summaries} >= {"live"}
