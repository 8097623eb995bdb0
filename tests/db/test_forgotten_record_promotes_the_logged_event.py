"""A forgotten record gives its (release, seq) back to the event the log holds there, and that event is folded.

The API records an event before publishing it (`strict`) and forgets it when the broker refuses the publish. Meanwhile
another service may publish a different event for the same seq without recording it first: here an abort's `failed`
(services/approval) races the deployer's `awaiting_approval`. The projector then folds the log's event as a conflict
(variant 1, never folded), since the record holds variant 0. `forget` used to delete the record and rebuild the
release from the event before it, leaving the log's event an unfolded conflict: the read model kept the release
`deploying` although the log had moved it on, no decision could be made on it, and the next event of the log met a
seq that was not the release's. Now the log's event takes variant 0 and is folded, in the same transaction.
"""

from __future__ import annotations

from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from tests.db.conftest import HAPPY, a_projection, chain

STREAM = "gltest.forget-promotes.log"


async def test_the_logged_event_at_a_forgotten_seq_is_folded(database: ReleaseDatabase) -> None:
    await a_projection(database, STREAM)
    events = chain("r1", states=HAPPY[:-1])  # through deploying
    raw = [(n, False, e.dumps()) for n, e in enumerate(events)]
    await database.writer.run(fold_batch_sync, STREAM, raw)

    deploying = events[-1]
    aborted = deploying.next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="aborted by bob"))
    await database.record(aborted, strict=True)  # the API records before publishing
    assert (await database.app("demo")).in_flight is None
    staged = deploying.next(S.AWAITING_APPROVAL, actor="deployer")  # the deployer's, published meanwhile
    staged_at = len(raw)
    await database.writer.run(fold_batch_sync, STREAM, [(staged_at, False, staged.dumps())])
    assert [(h.event.state, h.note) for h in await database.history("r1")][-2:] == [
        (S.FAILED, None), (S.AWAITING_APPROVAL, "conflict")]

    await database.forget(aborted)  # the broker refused the abort: the log never had it

    # The log holds ... deploying, awaiting_approval: so does the read model, release, history and app alike.
    release = await database.get("r1")
    assert release is not None and (release.state, release.seq) == (S.AWAITING_APPROVAL, staged.seq)
    assert [(h.event.state, h.offset, h.note) for h in await database.history("r1")][-2:] == [
        (S.DEPLOYING, staged_at - 1, None), (S.AWAITING_APPROVAL, staged_at, None)]
    latest = await database.latest("r1")
    assert latest is not None and latest.state is S.AWAITING_APPROVAL
    app = await database.app("demo")
    assert app.in_flight is not None and app.in_flight.state is S.AWAITING_APPROVAL

    # And the log's next event continues it as any other.
    approved = staged.next(S.APPROVED, actor="carol")
    await database.writer.run(fold_batch_sync, STREAM, [(staged_at + 1, False, approved.dumps())])
    release = await database.get("r1")
    assert release is not None and release.state is S.APPROVED
    assert all(h.note is None for h in await database.history("r1"))


async def test_a_forget_with_nothing_logged_at_its_seq_goes_back_one_event(database: ReleaseDatabase) -> None:
    events = chain("r1", states=HAPPY[:-1])
    await database.record_all(events)
    aborted = events[-1].next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="aborted by bob"))
    await database.record(aborted, strict=True)
    await database.forget(aborted)
    release = await database.get("r1")
    assert release is not None and release.state is S.DEPLOYING
    assert [h.event.state for h in await database.history("r1")] == [e.state for e in events]
    assert (await database.in_flight("demo")) is not None
