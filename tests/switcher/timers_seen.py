"""Scale-down timers kept for the test to fire, announced as they are set."""

from __future__ import annotations

import asyncio

from services.shared.events import ReleaseEvent
from services.shared.release import Colour
from tests.switcher.running import CapturedTimers


class AwaitedTimers(CapturedTimers):
    def __init__(self) -> None:
        super().__init__()
        self.changed = asyncio.Condition()

    async def schedule(self, event: ReleaseEvent, delay: float) -> None:
        async with self.changed:
            await super().schedule(event, delay)
            self.changed.notify_all()

    async def second(self, colour: Colour) -> ReleaseEvent:
        """The second timer set for `colour` (the first: the switch's), once it is."""
        def for_colour() -> list[ReleaseEvent]:
            return [t for t in self.set if t.details["colour"] == colour.value]

        async with asyncio.timeout(15), self.changed:
            await self.changed.wait_for(lambda: len(for_colour()) >= 2)
        return for_colour()[1]
