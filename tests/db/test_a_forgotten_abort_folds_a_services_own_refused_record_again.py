"""A forgotten abort folds again a later refused event of a service's own that the log has not echoed yet.

The switcher records its events after publishing them (no log offset until the log's copy is folded). An abort's
record `failed` at N meanwhile: the switcher's `switching` at N is a conflict, its `live` at N+1 refused (an ended
release). The abort's publish refused, `forget` folded again only later refused events with a log offset: the
switcher's `live` stayed refused, its echo then only gained an offset (the same state: a duplicate), and the release
stayed `switching` while the log said live (found by a review of the first version, never released). Both databases.
"""

from __future__ import annotations

from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from tests.db.conftest import HAPPY, a_projection, chain

STREAM = "gltest.forgotten-own-record.log"


async def test_a_forgotten_abort_leaves_the_switchers_own_live_folded(database: ReleaseDatabase) -> None:
    await a_projection(database, STREAM)
    events = chain("r1", states=HAPPY)  # through awaiting_approval
    approved = events[-1].next(S.APPROVED, actor="ann")
    events = [*events, approved]
    raw = [(n, False, e.dumps()) for n, e in enumerate(events)]
    await database.writer.run(fold_batch_sync, STREAM, raw)

    aborted = approved.next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="aborted by bob"))
    await database.record(aborted, strict=True)  # the API records before publishing
    switching = approved.next(S.SWITCHING, actor="switcher")
    live = switching.next(S.LIVE, actor="switcher", standby_colour=Colour.GREEN)
    at = len(raw)
    # The switcher published both, then recorded them (announce.py record_all): no offsets yet.
    await database.record_all([switching, live])
    # The log's copy of `switching` is folded; `live`'s echo is not yet.
    await database.writer.run(fold_batch_sync, STREAM, [(at, False, switching.dumps())])

    await database.forget(aborted)  # the broker refused the abort's publish
    await database.writer.run(fold_batch_sync, STREAM, [(at + 1, False, live.dumps())])  # live's echo

    release = await database.get("r1")
    history = [(h.event.seq, h.event.state.value, h.offset, h.note) for h in await database.history("r1")]
    assert release is not None and release.state is S.LIVE, (release and release.state.value, history[-3:])
