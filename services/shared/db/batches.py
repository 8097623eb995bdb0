"""One batch of the release log folded in one transaction, the log offset moved past it in the same one.

The projector (pending_deliveries.py, fold_loop.py) gathers deliveries and hands them here as `Raw` tuples, on the
event loop's thread for a small batch or the writer's for a large one (writer.py): nothing here
touches the broker or the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from aio_pika.abc import AbstractIncomingMessage

from services.shared.db.arrivals import LOCK_OFFSET
from services.shared.db.driver import fetch
from services.shared.db.fold import Folded, Item, fold_sync
from services.shared.db.rows import unfit
from services.shared.db.schema import projection
from services.shared.db.wakeup import move_offset_sync
from services.shared.events import BadMessage, NewerVersion, ReleaseEvent, parse_event

log = structlog.get_logger(__name__)
Raw = tuple[int, bool, bytes]  # (log offset, is a marker, body)
Parse = Callable[[bytes], ReleaseEvent]  # events.parse_event; a test stands in a newer version's
SEGMENT_START = 2  # the offsets from the last folded event to the first of the next segment, none missing


def replaced_key(stream: str) -> str:
    """The projection row that holds the database offset folded through when the stream was last replaced (deleted
    and declared again): the current stream's offset k is stored as that + 1 + k. No row: never replaced."""
    return f"{stream}#replaced"


def fold_batch_sync(connection: sa.Connection, stream: str, raw: list[Raw], base: int | None = None,
                    parse: Parse = parse_event) -> tuple[int, Folded]:
    """One batch in one transaction: the events past the stored offset, and the offset moved past the batch; with
    `base`, the new stream's base too (fold_loop.py). Cut short before an event only a newer Greenlight reads:
    nothing from it on is folded nor passed (a replica that reads it folds it), so the offset returned is below it."""
    # Lock the projection row first (and read it, in the same statement): concurrent projectors take turns and
    # skip what the other folded.
    stored = int(fetch(connection, LOCK_OFFSET, {"s": stream})[0][0])
    # After a reconnect the new consumer re-reads from the stored offset, behind the old channel's leftovers.
    top = max(r[0] for r in raw)
    items: list[Item] = []
    previous = stored
    for offset, marker, body in sorted(raw):
        if offset <= previous:  # folded already, or the same delivery twice
            continue
        _missing(stream, previous, offset)
        previous = offset
        if marker:
            continue
        try:
            if item := item_of(offset, body, parse):
                items.append(item)
        except NewerVersion:
            top = offset - 1
            break
    folded = fold_sync(connection, items) if items else Folded()
    if top > stored:
        move_offset_sync(connection, stream, top)
    if base is not None and top >= base - 1:  # cut short before the new stream: stored with a later batch
        replaced = {"stream": replaced_key(stream), "log_offset": base - 1, "updated_at": datetime.now(UTC)}
        if not connection.execute(projection.update().where(projection.c.stream == replaced["stream"])
                                  .values(replaced)).rowcount:
            connection.execute(projection.insert().values(replaced))
    return max(top, stored), folded


def _missing(stream: str, previous: int, offset: int) -> None:
    """One error line for offsets gone between two the projector read. Offsets are not contiguous: each segment of
    a stream begins with a chunk of the broker's own (a snapshot of its offset tracking) that takes one offset and
    is never delivered (seen on 3.10 at every segment's start). Trimming drops whole segments, each with events as
    well as that chunk, so an offset two on is a segment's start, and three or more means events are gone: between
    the stored offset and a batch (trimmed while no projector ran), inside a batch (trimmed while the projector was
    behind: the broker skips to what is left), or before the first event a new database reads (an old log)."""
    if offset > previous + SEGMENT_START:
        log.error("the log was trimmed past the projected offset: events are missing from the database",
                  stream=stream, projected=previous, first_available=offset)


def offset_of(message: AbstractIncomingMessage) -> int:
    return int((message.headers or {}).get("x-stream-offset", -1))  # type: ignore[arg-type]


def item_of(offset: int, body: bytes, parse: Parse = parse_event) -> Item | None:
    """The event to fold, or None for a malformed one (skipped: a poison message must not stop the projection); an
    event of a newer Greenlight raises NewerVersion."""
    try:
        event = parse(body)
        if (why := unfit(event)) is not None:
            raise BadMessage(f"the database cannot hold it: {why}")
    except NewerVersion:
        raise
    except BadMessage as exc:
        log.warning("unreadable event in release log", offset=offset, reason=str(exc))
        return None
    return Item(event, offset, body.decode())


def why_newer(body: bytes, parse: Parse = parse_event) -> str:
    """What makes an event one only a newer Greenlight reads (read again: a batch cut short at it is rare)."""
    try:
        parse(body)
    except BadMessage as exc:
        return str(exc)
    return "unreadable to this version"
