"""A forgotten ending whose app took a new release meanwhile puts its release back, out of flight, like the fold's
"a second release of one app in flight in the log": the unique in-flight index refused the rebuilt row before.

The API records an abort's `failed` before publishing it; the app is then free, and a request for its next release is
recorded (and published). Should the broker then refuse the abort's publish, `forget` rebuilt the aborted release
from its previous event, in flight again beside the new one: an IntegrityError, a 500 for the abort, and the record
the log never had was kept, so the read model showed the release failed while the log carried it on (its next
event met the failed record's seq: a conflict, never folded)."""

from __future__ import annotations

from services.shared.db.releases import ReleaseDatabase
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from tests.db.conftest import HAPPY, chain
from tests.harness import make_release


async def test_a_forgotten_abort_beside_a_newer_release_in_flight(database: ReleaseDatabase) -> None:
    events = chain("r1", states=HAPPY[:-1])  # through deploying
    await database.record_all(events)
    aborted = events[-1].next(S.FAILED, actor="bob", error=ReleaseError(step="abort", reason="aborted by bob"))
    await database.record(aborted, strict=True)
    await database.record(first_event(make_release("r2", "demo"), actor="ann"), strict=True)  # the app was free

    await database.forget(aborted)  # the broker refused the abort: the log never had it

    release = await database.get("r1")
    assert release is not None and (release.state, release.seq) == (S.DEPLOYING, events[-1].seq)
    assert [h.event.state for h in await database.history("r1")] == [e.state for e in events]
    in_flight = await database.in_flight("demo")
    assert in_flight is not None and in_flight.id == "r2"
    # The log's next event of r1 continues it (no conflict with a record the log never had).
    await database.record(events[-1].next(S.AWAITING_APPROVAL, actor="deployer"))
    release = await database.get("r1")
    assert release is not None and release.state is S.AWAITING_APPROVAL
    assert all(h.note is None for h in await database.history("r1"))
