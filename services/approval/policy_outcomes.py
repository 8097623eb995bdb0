"""What the approval policy's timers did, counted so a caller (a debugger, a test) can await one instead of guessing
when: "set" when parked for a release just ready; back: "early", "expired", "promoted", "held", "decided", "dropped",
"newer" (a newer Greenlight moved the release on)."""

from __future__ import annotations

import asyncio
from collections import Counter


class TimerOutcomes:
    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self._counted = asyncio.Condition()

    async def outcome(self, name: str, count: int = 1) -> None:
        """Return once `count` timers had the outcome `name`."""
        async with self._counted:
            await self._counted.wait_for(lambda: self.outcomes[name] >= count)

    async def _count(self, name: str) -> None:
        async with self._counted:
            self.outcomes[name] += 1
            self._counted.notify_all()
