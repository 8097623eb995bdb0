"""Calls cut off by a stuck broker connection, told apart from a cancellation.

aiormq gives up a connection that has received no frame for a few heartbeats ("was stuck": a network partition
sends neither a reset nor a packet) by cancelling its reader, and every call in flight on it (a channel open, a
declare, a consume, a publish's confirm) raises CancelledError in its caller, although nobody cancelled the
caller's task (pinned against the installed aiormq: tests/shared/test_stuck_connection_call.py). A loop that
retries on `Exception` then ends without a word: a read-model standby stopped taking the lease over for good, and
an API request was dropped with no answer. `on_the_broker` turns such a CancelledError into `CallAbandoned`, a
ConnectionError, which every caller already treats as the broker being away; a real cancellation of the task
(a stop, a timeout of `bounded`) still propagates as CancelledError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class CallAbandoned(ConnectionError):
    """The broker connection was found stuck and the call in flight on it was abandoned."""


async def on_the_broker(awaitable: Awaitable[T]) -> T:
    """`await awaitable`; a CancelledError that is no cancellation of this task raises CallAbandoned instead."""
    try:
        return await awaitable
    except asyncio.CancelledError as exc:
        task = asyncio.current_task()
        if task is None or task.cancelling():
            raise
        raise CallAbandoned("the broker connection went silent and was given up; the call in flight was lost") \
            from exc
