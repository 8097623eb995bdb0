"""The notifier's start, bounded on the broker: each step waited for GREENLIGHT_NOTIFIER_BROKER_TIMEOUT at most.

The start declares the retry queues, binds the work queue per subscription, drops an older Greenlight's bindings,
declares the queue and opens the channel its lock is looked at on. None of these had a bound: on a broker that kept
the connection open and never answered (a paused node, a network dropping every packet), the start waited until the
heartbeats found the connection stuck (about 3 min at RabbitMQ's default, never without heartbeats), serving nothing,
not ready, and saying nothing; Kubernetes' start-up probe then killed it without a word, compose left it so.

Past the bound the start fails in one line naming the setting (runtime.run: exit 1), as a broker that refuses the
connection does (startup.py), rather than carrying on: every later step needs these, on the same connection, which
only the heartbeats could give up; a new process opens a new one (on the next node AMQP_URL lists), and its supervisor
starts it again with a back-off. The step is cut off, not left to end as a round's bindings are (rebinding.py): the
connection, out of step or not, goes with the process. The database's steps have their own bounds
(GREENLIGHT_DATABASE_CONNECT_TIMEOUT, _STATEMENT_TIMEOUT).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from services.shared.settings import StartupError

T = TypeVar("T")
SETTING = "GREENLIGHT_NOTIFIER_BROKER_TIMEOUT"


async def answered(step: Awaitable[T], doing: str, seconds: float) -> T:
    """`await step`; past `seconds`, StartupError saying what the start was `doing`."""
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await step
    except TimeoutError:
        if not deadline.expired():
            raise  # the step's own, not this bound's
        raise StartupError(
            f"the broker at AMQP_URL did not answer the notifier's start ({doing}) within {SETTING} ({seconds:g} s): "
            f"a paused node or a network dropping packets; the next start opens a new connection (check RabbitMQ, "
            f"or raise {SETTING} for a broker that is only slow)") from None
