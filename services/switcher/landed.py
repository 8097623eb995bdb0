"""A rollback ended as refused whose flip had landed after all: the log is made to say what the cluster shows.

A rollback given up (the cluster away past the retry budget right after its flip landed) publishes `live` with
`rollback_refused`, as if nothing had flipped; the switcher's let-go of the colour then finds the Service serving the
previous release there (hold.py). Before, it only marked that colour live: the log and every read model kept the
rolled-back release live on its colour, and the previous one superseded, for good, while the Service served the
previous one. Now the switcher logs the rollback again, as one a person asks again would: its own `rolling_back`,
which it then finds done (rollback.py: the flip is not made again) and records, `rolled_back` and the previous
release live. (A refusal whose flip had landed, an error after the selector's patch, is recorded as done at once:
rollback.py.) That record given up in its turn, the cluster away again, is logged again the same way, ROUNDS times
at most: each round waits out a whole retry budget, and the first with the cluster back records it.
"""

from __future__ import annotations

import structlog

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState
from services.switcher.announce import SERVICE, Announcer

log = structlog.get_logger(__name__)
LANDED = "landed"  # the detail of the switcher's own `rolling_back` that logs a landed rollback
ROUNDS = 3  # landed records given up before the switcher stops logging another


async def log_the_landed_rollback(announce: Announcer, refused: ReleaseEvent, bus: Bus) -> None:
    """`refused`: the rollback's `live` saying `rollback_refused`. Idempotent: the same `rolling_back` (same seq and
    message id) again, and nothing once the release has moved past the refusal."""
    rollbacks = [s.event for s in await announce.store.history(refused.release_id, [ReleaseState.ROLLING_BACK])
                 if s.note is None]
    if sum(1 for e in rollbacks if e.seq < refused.seq and e.details.get(LANDED)) >= ROUNDS:
        # Each of them given up in its turn: whatever ends them (a patch the cluster keeps refusing as unavailable,
        # a bug) is no passing outage. Left as it is, and said, rather than two events more a round for ever.
        log.error("a landed rollback's record was given up again and again; not logging it again",
                  release=refused.release_id, rounds=ROUNDS)
        return
    now = await announce.store.get(refused.release_id)
    ours = any(e.seq == refused.seq + 1 and e.actor == SERVICE and e.details.get(LANDED) for e in rollbacks)
    if now is not None and now.seq > refused.seq and not (ours and now.seq == refused.seq + 1):
        return  # a rollback asked again (a person's), or this one's record done: they say what happened
    log.warning("a rollback ended as refused, but its flip had landed: logging it again, to be recorded as done",
                release=refused.release_id, previous=refused.release.previous_release)
    reason = f"its flip had landed before it ended as refused ({refused.details.get('rollback_refused', '')})"
    await announce.publish(bus, refused.next(ReleaseState.ROLLING_BACK, actor=SERVICE,
                                             details={"reason": reason[:2000], LANDED: True}))
