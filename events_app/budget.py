"""A fixed-window allowance of upstream calls for searches, so visitors cannot spend the daily quota."""

from __future__ import annotations

from typing import Protocol

from .cache import Clock
from .ticketmaster import RateLimited


class SearchBudgetExhausted(RateLimited):
    """Our own limit, not Ticketmaster's: only searches are refused, the default query still goes out."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.args = (f"Too many searches for now; try again in {retry_after:.0f} s. The top events still show.",)


class CallBudget:
    """`limit` calls per `window` seconds. Fixed windows: a burst at a boundary costs at most 2 x limit,
    which the documented defaults leave room for within Ticketmaster's 5,000 a day."""

    def __init__(self, limit: int, window: float, clock: Clock) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._started = clock.monotonic()
        self._spent = 0

    async def take(self) -> float:
        """Spends one call, or raises SearchBudgetExhausted saying when the window turns; the window it was spent in
        (for `give_back`)."""
        now = self._turn()
        if self._spent >= self._limit:
            raise SearchBudgetExhausted(max(1.0, self._started + self._window - now))
        self._spent += 1
        return self._started

    def note(self) -> float:
        """Counts a call another allowance (the shared one) let through, without refusing it; its window."""
        self._turn()
        self._spent += 1
        return self._started

    async def give_back(self, window: object) -> None:
        """Returns a call spent in `window` that never went out; nothing once that window has ended."""
        if window == self._started and self._spent > 0:
            self._spent -= 1

    def _turn(self) -> float:
        now = self._clock.monotonic()
        if now - self._started >= self._window:
            self._started, self._spent = now, 0
        return now


class SearchBudget(Protocol):
    async def take(self) -> object:
        """Spends one call (raises SearchBudgetExhausted past the budget); what `give_back` needs to return it."""

    async def give_back(self, spent: object) -> None:
        """Returns a call `take` spent that never went out (a 429's back-off found after the wait at the limit)."""
