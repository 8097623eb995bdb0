"""A receiver's `Retry-After` (RFC 9110 §10.2.3): how long it asked to be left alone, in seconds.

Honoured on 429 Too Many Requests and 503 Service Unavailable, the answers it is meant for. Either form: a number of
seconds, or an HTTP date. Anything else (a negative number, a date of no known form) is not an answer, and the
backoff decides alone. Nothing is slept here: handlers.py parks the retry on the broker at the first backoff step at
least this long (retry.py), so it neither holds another delivery up nor is lost with a restart. A wait past the
longest step (up to GREENLIGHT_NOTIFIER_RETRY_AFTER_CAP) is parked at the longest step again and again: what is left
of it rides in the message's `WAIT_HEADER`, in whole milliseconds.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC
from email.utils import parsedate_to_datetime

HONOURED = frozenset({429, 503})
WAIT_HEADER = "x-greenlight-retry-after-left-ms"
_SAID = re.compile(r", Retry-After (\d{1,12}) s$")  # retry_after() gives at most 1e10
_MAX_DIGITS = 10  # some 300 years: more is no answer a backoff could follow, nor should int() parse it


def retry_after(status: int, value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait before the next attempt, as the receiver asked; None if it did not (or could not) say."""
    if status not in HONOURED or value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value) if len(value) <= _MAX_DIGITS else float(10**_MAX_DIGITS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # `-0000`: HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


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
