"""What a message's headers say of its retries so far (retries.py writes them), and a handler's own budget for them.
The headers may also be a publisher's or a tool's own: what this process did not write reads as a first attempt."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

RETRIES_HEADER = "x-greenlight-retries"
SINCE_HEADER = "x-greenlight-retrying-since"  # epoch milliseconds (an int: AMQP floats are 32-bit)
LAST_ERROR_HEADER = "x-greenlight-last-error"
LAST_ERROR_CHARS = 1000  # the most of LAST_ERROR_HEADER an event records (retries.py writes at most 500)


@dataclass(frozen=True)
class RetryState:
    count: int = 0
    since: float | None = None
    last_error: str | None = None

    @classmethod
    def of(cls, message: AbstractIncomingMessage) -> RetryState:
        """What `Retrier.later` wrote, or a first attempt: these headers may also be a publisher's or a tool's own. A
        negative count raised in the consumer (it picks the delay tier) and left the message unsettled, and a start
        in the future, which every retry keeps, never spent the budget; one ahead of this clock starts now."""
        headers = message.headers or {}
        count, since = header_count(headers.get(RETRIES_HEADER, 0)), header_count(headers.get(SINCE_HEADER, -1))
        if count is None or (since is None and SINCE_HEADER in headers):
            return cls()
        return cls(count, None if since is None else min(since / 1000, time.time()),
                   last_error(headers.get(LAST_ERROR_HEADER)))

    def details(self) -> dict[str, Any]:
        """What the release's next event records about the retries that came before it."""
        return {"retries": self.count, "last_retry_error": self.last_error}


def last_error(value: object) -> str | None:
    """The header's last error as the next event records it: at most LAST_ERROR_CHARS, said to be cut. A publisher's or
    a tool's header may be as long as the broker's frame: copied whole, it swelled the event and every read of it."""
    if value is None:
        return None
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)  # bytes: not UTF-8 as sent
    if len(text) <= LAST_ERROR_CHARS:
        return text
    return f"{text[:LAST_ERROR_CHARS]}… (cut from {len(text)} characters)"


def header_count(value: object) -> int | None:
    """A count this process wrote in a header, or None for what a publisher or tool put there instead."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@dataclass(frozen=True)
class Budget:
    """A handler's own bound on a message's retries, instead of GREENLIGHT_RETRY_BUDGET, and what to say past it."""

    limit: timedelta
    setting: str  # the setting that sets `limit`, named in the give-up
    overdue: str  # an error line at each retry past GREENLIGHT_RETRY_BUDGET: why this one goes on
    spent: str  # an error line when `limit` is spent too: what is left as it is
    about: Mapping[str, str] = field(default_factory=dict)  # fields of both lines: the release, what it concerns
