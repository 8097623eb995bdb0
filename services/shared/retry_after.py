"""A dependency's `Retry-After` (RFC 9110 §10.2.3): how long it asked to be left alone, in seconds.

Honoured on 429 Too Many Requests and 503 Service Unavailable, the answers it is meant for. Either form: a number of
seconds, or an HTTP date. Anything else (a negative number, a date of no known form) is not an answer, and the
backoff decides alone. Read by the notifier (a receiver's answer) and the registry client (a registry's or its token
service's); neither sleeps on it: the retry is parked on the broker for that long, up to its longest backoff step
(the notifier carries the rest in a header; a step's retry fails the release at once when the ask would outlast
GREENLIGHT_RETRY_BUDGET).
"""

from __future__ import annotations

import time
from datetime import UTC
from email.utils import parsedate_to_datetime

HONOURED = frozenset({429, 503})
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
