"""One batch of the release log folded in one transaction, the log offset moved past it in the same one.

The projector (fold_loop.py) gathers deliveries and hands them here as `Raw` tuples, on the event loop's thread for
a small batch or the writer's for a large one (writer.py): nothing here touches the broker or the loop.
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.shared.db.arrivals import LOCK_OFFSET
from services.shared.db.driver import fetch
from services.shared.db.fold import Folded, Item, fold_sync
from services.shared.db.rows import unfit
from services.shared.db.wakeup import move_offset_sync
from services.shared.events import BadMessage, parse_event

log = structlog.get_logger(__name__)
Raw = tuple[int, bool, bytes]  # (log offset, is a marker, body)
SEGMENT_START = 2  # the offsets from the last folded event to the first of the next segment, none missing


def fold_batch_sync(connection: sa.Connection, stream: str, raw: list[Raw]) -> tuple[int, Folded]:
    """One batch in one transaction: the events past the stored offset, and the offset moved past the batch."""
    # Lock the projection row first (and read it, in the same statement): concurrent projectors take turns and
    # skip what the other folded.
    stored = int(fetch(connection, LOCK_OFFSET, {"s": stream})[0][0])
    # After a reconnect the new consumer re-reads from the stored offset, behind the old channel's leftovers.
    first, top = min(r[0] for r in raw), max(r[0] for r in raw)
    # Offsets are not contiguous: each segment of a stream begins with a chunk of the broker's own (a snapshot of
    # its offset tracking) that takes one offset and is never delivered (seen on 3.10 at every segment's start).
    # Trimming drops whole segments, each with events as well as that chunk, so a batch that begins two offsets
    # on is a segment's start, and three or more means events are gone.
    if first > stored + SEGMENT_START and stored >= 0:
        log.error("the log was trimmed past the projected offset: events are missing from the database",
                  stream=stream, projected=stored, first_available=first)
    items = [item for offset, marker, body in sorted(raw) if offset > stored and not marker
             if (item := item_of(offset, body))]
    folded = fold_sync(connection, items) if items else Folded()
    if top > stored:
        move_offset_sync(connection, stream, top)
    return max(top, stored), folded


def offset_of(message: AbstractIncomingMessage) -> int:
    return int((message.headers or {}).get("x-stream-offset", -1))  # type: ignore[arg-type]


def item_of(offset: int, body: bytes) -> Item | None:
    try:
        event = parse_event(body)
        if (why := unfit(event)) is not None:
            raise BadMessage(f"the database cannot hold it: {why}")
    except BadMessage as exc:
        log.warning("unreadable event in release log", offset=offset, reason=str(exc))
        return None
    return Item(event, offset, body.decode())
