"""Replicas of one partitioned worker in this process (PartitionClaims on a Bus of their own each), a handler whose
runs a test can hold and watch, and a broker address a test can cut (TcpProxy): claims.py's behaviour without
starting services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from services.shared.bus import Bus
from services.shared.claims import PartitionClaims
from services.shared.consumer import Subscription
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.harness import make_release

SERVICE = "builder"  # a partitioned worker: Bus.connect declares its partitions


@dataclass
class Runs:
    """Which replica is in the handler for which app now, and runs of one app that overlapped (one began in a
    replica while another still ran that app); each run waits for `go` before it ends."""
    running: dict[str, set[str]] = field(default_factory=dict)  # replica -> apps in its handler now
    overlaps: list[str] = field(default_factory=list)
    go: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def subscription(self, replica: str) -> Subscription:
        async def handle(event: ReleaseEvent, bus: Bus) -> None:
            mine = self.running.setdefault(replica, set())
            async with self.changed:
                self.overlaps += [f"{event.app} began in {replica} while {other} ran it"
                                  for other, apps in self.running.items() if other != replica and event.app in apps]
                mine.add(event.app)
                self.changed.notify_all()
            try:
                await self.go.wait()
            finally:
                mine.discard(event.app)
                async with self.changed:
                    self.changed.notify_all()

        return Subscription(SERVICE, [S.REQUESTED], handle, skip_ended=False)

    async def until(self, test: Callable[[], bool], timeout: float = 20.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(test)


@contextlib.asynccontextmanager
async def replica(settings: BusSettings, name: str, runs: Runs) -> AsyncIterator[PartitionClaims]:
    bus = Bus(settings, connection_name=f"gltest-{name}")
    await bus.connect()
    claims = PartitionClaims(bus, runs.subscription(name))
    try:
        await claims.start()
        yield claims
    finally:
        await claims.stop(settings.grace_period)
        await bus.close()


async def request_each(settings: BusSettings, apps: list[str], releases: int = 1) -> None:
    """`releases` releases requested per app, in turn, from a connection of the test's own."""
    bus = Bus(settings, connection_name="gltest-requester")
    await bus.connect()
    try:
        for n in range(releases):
            for app in apps:
                await bus.publish(first_event(make_release(f"{app}-{n}", app=app), actor="ann"))
    finally:
        await bus.close()


async def after_a_check(claims: PartitionClaims, test: Callable[[], bool], timeout: float = 20.0) -> None:
    """Until `test()` holds after one of `claims`' checks (each replica checks every interval)."""
    async with asyncio.timeout(timeout):
        await claims.checked_until(test)
