"""Steady traffic through partitioned replicas (claims.py): releases of an app published one after the other, each
handled for WORK seconds by a handler whose runs the test gates and watches."""

from __future__ import annotations

import asyncio

from services.shared.bus import Bus
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from tests.harness import make_release
from tests.replicas.claimers import SERVICE, Runs

WORK = 0.075  # seconds each message is handled
MESSAGES = 6  # per app


class Steady(Runs):
    """Each run waits for its own gate; which replica began which release, in order, and when each run ended."""

    def __init__(self) -> None:
        super().__init__()
        self.began: list[tuple[str, str, str]] = []  # (replica, app, release)
        self.ended: dict[str, float] = {}
        self.gates: dict[str, asyncio.Event] = {}

    def gate(self, release: str) -> asyncio.Event:
        return self.gates.setdefault(release, asyncio.Event())

    def subscription(self, replica: str) -> Subscription:
        async def handle(event: ReleaseEvent, bus: Bus) -> None:
            mine = self.running.setdefault(replica, set())
            async with self.changed:
                self.overlaps += [f"{event.app} began in {replica} while {other} ran it"
                                  for other, apps in self.running.items() if other != replica and event.app in apps]
                mine.add(event.app)
                self.began.append((replica, event.app, event.release_id))
                self.changed.notify_all()
            try:
                await self.gate(event.release_id).wait()
            finally:
                mine.discard(event.app)
                self.ended[event.release_id] = asyncio.get_running_loop().time()
                async with self.changed:
                    self.changed.notify_all()

        return Subscription(SERVICE, [S.REQUESTED], handle, skip_ended=False)

    async def traffic(self, bus: Bus, app: str, first_held_until: asyncio.Event) -> None:
        """MESSAGES releases of `app`, one after the other: each published once the one before ended."""
        for n in range(MESSAGES):
            release = f"{app}-{n}"
            await bus.publish(first_event(make_release(release, app=app), actor="ann"))
            await self.until(lambda release=release: release in {r for _, _, r in self.began},  # type: ignore[misc]
                             30)
            if n == 0:
                await first_held_until.wait()
            else:
                await asyncio.sleep(WORK)  # the handler's work
            self.gate(release).set()
            await self.until(lambda release=release: release in self.ended, 30)  # type: ignore[misc]
