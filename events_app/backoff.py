"""How long a 429 tells us to stay away: Ticketmaster's Rate-Limit-Reset, else the standard Retry-After."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime

# Used when a 429 says nothing usable about when to come back.
DEFAULT_BACKOFF_S = 5.0
# A reset already in the past still earns a pause, or we would hammer a limiter that said no.
MIN_BACKOFF_S = 1.0


def blocked_until(headers: Mapping[str, str], now: float) -> float:
    """Wall-clock seconds before which no call may go out."""
    until = _rate_limit_reset(headers.get("Rate-Limit-Reset"))
    if until is None:
        # Not the quota's own answer (a spike arrest, a gateway or CDN in front): the standard header.
        until = _retry_after(headers.get("Retry-After"), now)
    if until is None:
        until = now + DEFAULT_BACKOFF_S
    return max(until, now + MIN_BACKOFF_S)


def _rate_limit_reset(value: str | None) -> float | None:
    try:
        return int(value or "") / 1000.0  # epoch milliseconds
    except ValueError:
        return None


def _retry_after(value: str | None, now: float) -> float | None:
    """RFC 9110: delay-seconds or an HTTP date."""
    text = (value or "").strip()
    if text.isdigit():
        return now + int(text)
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
