"""What the log delivered to the projector and it has not folded yet (fold_loop.py folds it): each delivery with its
database offset and when it came, what readers see of them, and which deliveries end the linger.

Only the intermediate steps linger: an event people hear of or act on (SHOWN_AT_ONCE: `requested`,
`awaiting_approval`, `approved`, a release's end...) is folded as it arrives, with whatever lingered before it, in
whichever process projects; so are SMALL_BATCH deliveries, and a stop or the catch-up marker ends the wait.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from aio_pika.abc import AbstractIncomingMessage

from services.shared.db.batches import Parse, item_of, offset_of
from services.shared.db.fold import Item
from services.shared.db.releases import ReleaseDatabase
from services.shared.events import NewerVersion, parse_event
from services.shared.protocol import SHOWN_AT_ONCE
from services.shared.releaselog import MARKER_HEADER

SMALL_BATCH = 16  # events a batch may hold to be folded on the event loop's thread (writer.py: `run`'s small)
_AT_ONCE = frozenset(state.value for state in SHOWN_AT_ONCE)  # the last word of an event's routing key


class PendingDeliveries:
    """What the log delivered to this process and it has not folded yet (FoldLoop: the loop that folds it)."""

    def __init__(self, database: ReleaseDatabase) -> None:
        self.database = database
        self.base = 0  # the database's offset of the stream's offset 0: past the old ones once replaced (log_consumer)
        self._marker = uuid.uuid4().hex
        self._pending: list[AbstractIncomingMessage] = []
        self._offsets: list[int] = []  # each pending delivery's database offset, as the base was when it came
        self._arrivals: list[float] = []  # when each pending delivery arrived (time.monotonic), in step with it
        self._arrived = asyncio.Event()
        self._hurried = asyncio.Event()  # ends a linger: enough deliveries, a stop, the marker or `hurry`
        self.parse: Parse = parse_event  # how a body is read; a test stands in a newer version's

    @property
    def pending(self) -> int:
        """Deliveries not folded yet."""
        return len(self._pending)

    def behind(self) -> float:
        """Seconds since the oldest delivery not folded yet arrived; 0 when caught up. A database that is away or
        slow shows here first (/metrics: `greenlight_projection_behind_seconds`)."""
        return time.monotonic() - self._arrivals[0] if self._arrivals else 0.0

    def _delivered(self, release_id: str) -> list[Item]:
        prefix = f"{release_id}/"  # an event's message id (events.py), so only its own bodies are parsed
        items = []
        for message, offset in zip(self._pending, self._offsets, strict=True):
            if (message.message_id or "").startswith(prefix):
                try:
                    if item := item_of(offset, message.body, self.parse):
                        items.append(item)
                except NewerVersion:
                    break  # this process folds nothing from there on
        return items

    def hurry(self) -> None:
        """Fold what was delivered now, without waiting out the linger."""
        self._hurried.set()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self._pending.append(message)
        self._offsets.append(offset_of(message) + self.base)
        self._arrivals.append(time.monotonic())
        self._arrived.set()
        self.database.delivered((message.message_id or "").partition("/")[0])  # an event's id: release/seq
        if ((message.routing_key or "").rpartition(".")[2] in _AT_ONCE or len(self._pending) >= SMALL_BATCH
                or (message.headers or {}).get(MARKER_HEADER) == self._marker):
            self._hurried.set()
