"""Releases that ended while work on them was under way (aborted, past a deadline, failed elsewhere).

Work stops at the next safe point: the consumer does not start a handler for an ended release, and
`Bus.publish` refuses any further event of one (`ReleaseEnded`), so a build that finishes after its
release was aborted publishes nothing and nothing downstream starts. Each process learns of endings
from its own exclusive queue bound to `release.*.failed` / `release.*.rejected` (gone with the process);
a message that waited in a queue longer than `STALE_AFTER` is checked against the release log instead,
because a process started after the ending never saw it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from datetime import timedelta

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel

from services.shared.events import BadMessage, ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState, routing_key
from services.shared.release import utcnow

log = structlog.get_logger(__name__)
ENDINGS = (ReleaseState.FAILED, ReleaseState.REJECTED)
STALE_AFTER = timedelta(seconds=30)  # a message older than this is checked against the log before acting
REMEMBERED = 10_000  # endings kept per process; older ones fall back to the log check


class ReleaseEnded(Exception):
    """The release ended (failed or rejected) while this work was under way: nothing more is published."""


class EndedReleases:
    def __init__(self) -> None:
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._channel: AbstractRobustChannel | None = None
        self.seeded = False  # whether the recent endings were read from the log (safepoint.py)

    def __contains__(self, release_id: object) -> bool:
        return release_id in self._ended

    def add(self, event: ReleaseEvent) -> None:
        self._ended[event.release_id] = event.state.value
        self._ended.move_to_end(event.release_id)
        while len(self._ended) > REMEMBERED:
            self._ended.popitem(last=False)

    def check(self, event: ReleaseEvent) -> None:
        """Raise `ReleaseEnded` for an event that would carry an ended release further."""
        if event.state not in ENDINGS and event.release_id in self._ended:
            raise ReleaseEnded(f"release {event.release_id} already {self._ended[event.release_id]}; "
                               f"not publishing {event.state.value}")

    async def watch(self, channel: AbstractRobustChannel, exchange: str) -> None:
        self._channel = channel
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for state in ENDINGS:
            await queue.bind(exchange, routing_key("*", state))
        await queue.consume(self._on_message, no_ack=True)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        with contextlib.suppress(BadMessage):
            self.add(parse_event(message.body))

    async def close(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._channel.close(), 5)


def is_stale(event: ReleaseEvent) -> bool:
    return utcnow() - event.occurred_at > STALE_AFTER
