"""The time the approval policy reads (soak, expiry, auto-promotion): injected, so tests move it instead of
sleeping. Timers still wait on the broker; when one comes back, the clock decides whether it is due."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from aiohttp import web

from services.shared.release import utcnow


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


CLOCK = web.AppKey("clock", Clock)
