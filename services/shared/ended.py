"""Releases that ended while work on them was under way (aborted, past a deadline, failed elsewhere).

Work stops at the next safe point: the consumer does not start a handler for an ended release, and
`Bus.publish` refuses any further event of one (`ReleaseEnded`), so a build that finishes after its
release was aborted publishes nothing and nothing downstream starts. Each process learns of endings
from its own exclusive queue bound to `release.*.failed` / `release.*.rejected` (gone with the process);
a message that waited in a queue longer than `STALE_AFTER` is checked against the release log instead,
because a process started after the ending never saw it.

In a rolling upgrade a newer Greenlight may log an ending this version cannot parse (schema version 2, say:
events.NewerVersion). Skipped as unreadable, it left a young message of the aborted release to be acted on here, so
an ending is recognised by its body's `release_id` and `state` name alone (`newer_ending`); a malformed body, which
no version wrote as a step of the release, is still skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pydantic_core
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustChannel

from services.shared.events import BadMessage, NewerVersion, ReleaseEvent, parse_event
from services.shared.protocol import ReleaseState, routing_key
from services.shared.release import utcnow
from services.shared.timeouts import bounded

log = structlog.get_logger(__name__)
ENDINGS = (ReleaseState.FAILED, ReleaseState.REJECTED)
ENDING_NAMES = frozenset(state.value for state in ENDINGS)
STALE_AFTER = timedelta(seconds=30)  # a message older than this is checked against the log before acting
REMEMBERED = 10_000  # endings kept per process; older ones fall back to the log check
T = TypeVar("T")


class ReleaseEnded(Exception):
    """The release ended (failed or rejected) while this work was under way: nothing more is published."""


class EndedReleases:
    def __init__(self) -> None:
        self._ended: OrderedDict[str, str] = OrderedDict()
        self._channel: AbstractRobustChannel | None = None
        self._waiters: dict[str, set[asyncio.Future[None]]] = {}
        self.seeded = False  # whether the recent endings were read from the log (safepoint.py)

    def __contains__(self, release_id: object) -> bool:
        return release_id in self._ended

    def add(self, event: ReleaseEvent) -> None:
        self.ended_as(event.release_id, event.state.value)

    def ended_as(self, release_id: str, state: str) -> None:
        """`release_id` ended in `state` (one of ENDING_NAMES), as read from an event of any version."""
        self._ended[release_id] = state
        self._ended.move_to_end(release_id)
        while len(self._ended) > REMEMBERED:
            self._ended.popitem(last=False)
        for waiter in self._waiters.pop(release_id, set()):
            if not waiter.done():
                waiter.set_result(None)

    async def unless_ended(self, release_id: str, work: Coroutine[Any, Any, T]) -> T:
        """`work`'s result, or `ReleaseEnded` as soon as the release ends, `work` then cancelled.

        For a long wait inside a step (a rollout becoming ready): the safe points before and after a
        handler would let it run to its timeout, holding a colour an aborted release no longer needs."""
        if release_id in self._ended:
            work.close()
            raise ReleaseEnded(f"release {release_id} already {self._ended[release_id]}")
        task = asyncio.ensure_future(work)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(release_id, set()).add(waiter)
        try:
            racing: set[asyncio.Future[Any]] = {task, waiter}
            await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting = self._waiters.get(release_id, set())
            waiting.discard(waiter)
            if not waiting:
                self._waiters.pop(release_id, None)
            if not task.done():
                task.cancel()
                await asyncio.wait({task})  # its CancelledError stays in it; ours (if any) still propagates
        if task.done() and not task.cancelled():
            return task.result()
        raise ReleaseEnded(f"release {release_id} {self._ended.get(release_id, 'ended')} while waiting")

    def ending(self, release_id: str) -> str | None:
        """The state `release_id` was seen to end in, if it was (and is still remembered)."""
        return self._ended.get(release_id)

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
        try:
            self.add(parse_event(message.body))
        except BadMessage as exc:
            if (ending := newer_ending(message.body, exc)) is not None:
                self.ended_as(*ending)

    async def close(self) -> None:
        if self._channel is not None and not self._channel.is_closed:
            with contextlib.suppress(Exception):
                await bounded(self._channel.close(), 5)


def newer_ending(body: bytes, problem: BadMessage) -> tuple[str, str] | None:
    """(release_id, state) of an ending a newer Greenlight wrote, which this version's parse refused with `problem`;
    None for any other body, a malformed one among them."""
    if not isinstance(problem, NewerVersion):
        return None
    try:
        raw = pydantic_core.from_json(body)
    except ValueError:
        return None
    if not isinstance(raw, dict):
        return None
    release_id, state = raw.get("release_id"), raw.get("state")
    if isinstance(release_id, str) and release_id and isinstance(state, str) and state in ENDING_NAMES:
        return release_id, state
    return None


def is_stale(event: ReleaseEvent) -> bool:
    return utcnow() - event.occurred_at > STALE_AFTER
