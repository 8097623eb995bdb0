"""An event whose envelope and release snapshot disagree on the app or the seq is malformed: a work queue
dead-letters it, and the projector skips it with a warning, as any unreadable event. The fold decides on the
envelope and stores the snapshot, so before this an app that differed broke the one-in-flight index in every batch
after it (the projection retried that batch for good, keeping its lease), and a seq that differed made each later
event of the release `late`, the release stuck."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import structlog

from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.schema import projection
from services.shared.events import BadMessage, ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState as S
from tests.db.conftest import chain

STREAM = "gltest.envelope-disagrees.log"
UNREADABLE = "unreadable event in release log"


def disagreeing(event: ReleaseEvent, field: str) -> ReleaseEvent:
    envelope = {"app": "beta"} if field == "app" else {"seq": event.seq + 7}
    return event.model_copy(update=envelope)


@pytest.mark.parametrize("field", ["app", "seq"])
def test_such_an_event_is_a_bad_message(field: str) -> None:
    body = disagreeing(chain("r1", app="alpha")[0], field).dumps()
    with pytest.raises(BadMessage, match="envelope disagrees with its release snapshot"):
        parse_event(body)


@pytest.mark.parametrize("field", ["app", "seq"])
async def test_the_projection_skips_it_and_folds_on(database: ReleaseDatabase, field: str) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(projection.insert().values(stream=STREAM, log_offset=-1,
                                                            updated_at=datetime.now(UTC)))
    database.log_stream = STREAM
    alpha = chain("r1", app="alpha", states=(S.BUILDING,))  # alpha's release in flight
    bad = disagreeing(chain("r2", app="alpha")[0], field)
    beta = chain("r3", app="beta", states=(S.BUILDING,))
    raw = [(n, False, e.dumps()) for n, e in enumerate([*alpha, bad, *beta])]
    with structlog.testing.capture_logs() as logs:
        top, _ = await database.writer.run(fold_batch_sync, STREAM, raw)
    assert top == len(raw) - 1
    assert [entry["offset"] for entry in logs if entry["event"] == UNREADABLE] == [len(alpha)]
    assert await database.get("r2") is None
    folded = await database.get("r3")
    assert folded is not None and folded.state is S.BUILDING
    assert (await database.app("beta")).in_flight is not None
