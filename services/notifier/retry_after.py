"""A receiver's `Retry-After` as the notifier keeps it (the header's parse, on 429 and 503 only, is shared:
services/shared/retry_after.py). Nothing is slept here: handlers.py parks the retry on the broker at the first
backoff step at least this long (retry.py), so it neither holds another delivery up nor is lost with a restart.
A wait past the longest step (up to GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP) is parked at the longest step again and
again: what is left of it rides in the message's `WAIT_HEADER`, in whole milliseconds.
"""

from __future__ import annotations

import math
import re

from services.shared.retry_after import HONOURED, retry_after

__all__ = ["HONOURED", "WAIT_HEADER", "asked_in", "retry_after", "said", "wait_header", "wait_left"]
WAIT_HEADER = "x-greenlight-retry-after-left-ms"
_SAID = re.compile(r", Retry-After (\d{1,12}) s$")  # retry_after() gives at most 1e10


def said(error: str | None, wait: float) -> str:
    """The delivery record's error for an answer that asked for `wait` (read back by `asked_in`)."""
    return f"{error}, Retry-After {wait:.0f} s"


def asked_in(error: str | None) -> float:
    """The Retry-After a delivery record's error says its receiver asked for (0: none)."""
    found = _SAID.search(error or "")
    return float(found.group(1)) if found else 0.0


def wait_header(seconds: float) -> dict[str, object]:
    """The header carrying `seconds` still to wait, if any are left."""
    milliseconds = math.ceil(seconds * 1000) if math.isfinite(seconds) else 0
    return {WAIT_HEADER: milliseconds} if milliseconds > 0 else {}


def wait_left(value: object, cap: float) -> float:
    """Seconds still to wait per a message's `WAIT_HEADER`, at most `cap`: what this process wrote (whole non-negative
    milliseconds). Anything else (a publisher's string, a negative or fractional number, a bool) is refused: 0, sent
    now as any retry. A count past the cap (the cap lowered since, or a publisher's) waits the cap at most."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return 0.0
    return min(value / 1000, cap)
