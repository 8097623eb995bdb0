"""How long a 429 tells us to stay away: Ticketmaster's Rate-Limit-Reset, else the standard Retry-After."""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parsedate_to_datetime

# Used when a 429 says nothing usable about when to come back.
DEFAULT_BACKOFF_S = 5.0
# A reset already in the past still earns a pause, or we would hammer a limiter that said no.
MIN_BACKOFF_S = 1.0
# Ticketmaster's quotas reset at most daily: a value further ahead is misread (a reset in microseconds is
# 55,000 years away as milliseconds) and would keep every call off until the process restarts.
MAX_BACKOFF_S = 86_400.0


def blocked_until(headers: Mapping[str, str], now: float) -> float:
    """Wall-clock seconds before which no call may go out."""
    until = _rate_limit_reset(headers.get("Rate-Limit-Reset"))
    if until is None:
        # Not the quota's own answer (a spike arrest, a gateway or CDN in front): the standard header.
        until = _retry_after(headers.get("Retry-After"), now)
    if until is None:
        until = now + DEFAULT_BACKOFF_S
    return min(max(until, now + MIN_BACKOFF_S), now + MAX_BACKOFF_S)


def _rate_limit_reset(value: str | None) -> float | None:
    try:
        return int(value or "") / 1000.0  # epoch milliseconds
    except (ValueError, OverflowError):  # OverflowError: past a float; ValueError: past 4,300 digits too
        return None


def _retry_after(value: str | None, now: float) -> float | None:
    """RFC 9110: delay-seconds or an HTTP date."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit():  # isdigit() alone takes "²", which int() refuses
        try:
            return now + int(text)
        except (ValueError, OverflowError):
            return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
