"""Events the log delivered to this process that its projector has not folded yet: a decision need not wait.

An approver who follows the log (AMQP, SSE) sees `awaiting_approval` the moment it is delivered; this process's
read model has it one fold later (1.5 to 2.5 ms under the orchestration bench's load), and a decision used to wait
for that fold. The leading projector hands its unfolded deliveries over (`Arrivals`); a decision continuing them
is recorded together with them, in one transaction that first takes the projection row's lock, as a concurrent
projector would. So it and the projector's batch take turns, and whichever comes second finds the other's rows:
the projector counts them duplicates and the log offsets stay where the log put them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from services.shared.db.driver import fetch
from services.shared.db.fold import Folded, Item, fold_sync
from services.shared.db.schema import projection
from services.shared.events import ReleaseEvent

# Locks the projection row (and reads the offset, in the same statement): projectors take turns through it.
LOCK_OFFSET = (projection.update().where(projection.c.stream == sa.bindparam("s"))
               .values(log_offset=projection.c.log_offset).returning(projection.c.log_offset))


# A release's events the log delivered to this process's leading projector and it has not folded, in log order.
Arrivals = Callable[[str], list[Item]]


def continuing(latest: ReleaseEvent, arrived: list[Item]) -> list[Item]:
    """The arrived events that continue `latest` seq after seq; a copy of one already had is skipped. None at
    all if there is a gap: what is missing is on its way, and the caller waits for the fold instead."""
    items, seq = [], latest.seq
    for item in arrived:
        if item.event.seq == seq + 1:
            items.append(item)
            seq += 1
        elif item.event.seq > seq + 1:
            return []
    return items


def fold_own_sync(connection: sa.Connection, stream: str | None, items: list[Item], *, strict: bool) -> Folded:
    """A service's own events (after the arrived events they continue, if any). With `stream`, it first takes the
    projection row's lock: events the log may hold already (arrived ones, or a service's own recorded after it
    published them) would otherwise collide with a concurrent batch of the projector on PostgreSQL, which then lost
    the race with a unique violation and stalled; on SQLite writers take turns anyway."""
    if stream is not None:
        fetch(connection, LOCK_OFFSET, {"s": stream})
    return fold_sync(connection, items, strict=strict)
