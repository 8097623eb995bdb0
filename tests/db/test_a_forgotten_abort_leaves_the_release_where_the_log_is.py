"""A forgotten abort (its publish refused) recorded at seq N, while the worker's step at N and its next step at N+1
were logged meanwhile, leaves the release where the log is: the log never held the abort, and holds pushed,
deploying, awaiting_approval. The step at N+1 was refused while the record (an ending) was the release's state, and
`forget` folded again only the record's own seq: the release was shown `deploying` for good (found by a review of
the ending rule before it was released). Both databases.
"""

from __future__ import annotations

from services.shared.db.batches import fold_batch_sync
from services.shared.db.releases import ReleaseDatabase
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from tests.db.conftest import HAPPY, a_projection, chain

STREAM = "gltest.forgotten-abort.log"


async def test_a_forgotten_abort_leaves_the_release_where_the_log_is(database: ReleaseDatabase) -> None:
    await a_projection(database, STREAM)
    events = chain("r1", states=HAPPY[:-2])  # through pushed
    raw = [(n, False, e.dumps()) for n, e in enumerate(events)]
    await database.writer.run(fold_batch_sync, STREAM, raw)

    pushed = events[-1]
    aborted = pushed.next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="aborted by bob"))
    await database.record(aborted, strict=True)  # the API records before publishing
    # The deployer, not having heard of any abort, stages and hands over; both reach the log meanwhile.
    deploying = pushed.next(S.DEPLOYING, actor="deployer", standby_colour=Colour.GREEN)
    staged = deploying.next(S.AWAITING_APPROVAL, actor="deployer")
    at = len(raw)
    await database.writer.run(fold_batch_sync, STREAM, [(at, False, deploying.dumps()),
                                                         (at + 1, False, staged.dumps())])

    await database.forget(aborted)  # the broker refused the abort's publish: the log never had it

    release = await database.get("r1")
    history = [(h.event.seq, h.event.state.value, h.offset, h.note) for h in await database.history("r1")]
    assert release is not None and (release.state, release.seq) == (S.AWAITING_APPROVAL, staged.seq), (
        release and (release.state.value, release.seq), history[-3:])
