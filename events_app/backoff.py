"""How long a 429 tells us to stay away: Ticketmaster's Rate-Limit-Reset for its quota, else the standard Retry-After.

Ticketmaster's gateway (Apigee) refuses with a 429 for two limits: the daily quota ("Rate limit quota violation",
errorcode policies.ratelimit.QuotaViolation) and the per-second spike arrest ("Spike arrest violation", errorcode
policies.ratelimit.SpikeArrestViolation). Its Rate-Limit-* headers come with every answer, the spike arrest's too,
and their Rate-Limit-Reset is the quota's (up to a day ahead): read for a burst, it kept every call off until the
quota's reset although a second later the API answered again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

# Used when a 429 says nothing usable about when to come back.
DEFAULT_BACKOFF_S = 5.0
# A reset already in the past still earns a pause, or we would hammer a limiter that said no.
MIN_BACKOFF_S = 1.0
# A spike arrest without Retry-After: its window is the per-second rate's, so a second is enough.
SPIKE_BACKOFF_S = 1.0
# Ticketmaster's quotas reset at most daily: a value further ahead is misread (a reset in microseconds is
# 55,000 years away as milliseconds) and would keep every call off until the process restarts.
MAX_BACKOFF_S = 86_400.0


def blocked_until(headers: Mapping[str, str], now: float, body: bytes = b"") -> float:
    """Wall-clock seconds before which no call may go out."""
    spike = is_spike_arrest(body)
    until = None if spike else _rate_limit_reset(headers.get("Rate-Limit-Reset"))
    if until is None:
        # Not the quota's own answer (a spike arrest, a gateway or CDN in front): the standard header.
        until = _retry_after(headers.get("Retry-After"), now)
    if until is None:
        until = now + (SPIKE_BACKOFF_S if spike else DEFAULT_BACKOFF_S)
    return min(max(until, now + MIN_BACKOFF_S), now + MAX_BACKOFF_S)


def is_spike_arrest(body: bytes) -> bool:
    """Whether a 429's body is the gateway's burst limit rather than the quota (its Apigee fault says which)."""
    try:
        fault = json.loads(body)["fault"]
        code, text = str(fault.get("detail", {}).get("errorcode", "")), str(fault.get("faultstring", ""))
    except (ValueError, RecursionError, TypeError, KeyError, AttributeError):  # not a fault: treated as the quota
        return False
    return code.endswith("SpikeArrestViolation") or text.lower().startswith("spike arrest")


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
