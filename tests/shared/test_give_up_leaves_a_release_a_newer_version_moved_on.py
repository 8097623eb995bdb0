"""A message past its delivery limit, of a release whose newest logged event is a newer Greenlight's (a rolling
upgrade: a state this version does not know, or schema version 2), is left to the newer version: one warning line,
nothing published, the message acked (not dead-lettered: the newer version took the release on from it).

Before, the give-up's log read skipped the event it could not read, settled the release from the older event it
found newest (`built`), and published `failed` on the seq the newer version's `scanning`/`pushing` already held. A
malformed event is still skipped, as before: the release is failed from the newest event this version reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from services.shared.bus import Bus
from services.shared.events import ReleaseEvent
from services.shared.giveup import GiveUp
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.newer_replica import newer_steps
from tests.approval.test_older_replica_watchers_leave_a_newer_release import Publishing
from tests.db.conftest import chain
from tests.db.newer_events import Logged, logged, publish_bodies


class Held:
    """The delivery the give-up settles: how it was settled."""

    def __init__(self, event: ReleaseEvent) -> None:
        self.body, self.routing_key, self.message_id = event.dumps(), event.routing_key, event.message_id
        self.settled: list[str] = []

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nack(self, requeue: bool = True) -> None:
        self.settled.append("nack")


class Giving(Publishing):
    """Publishing, keeping the dead letters too."""

    def __init__(self, bus: Bus) -> None:
        super().__init__(bus)
        self.dead: list[str] = []

    async def dead_letter(self, body: bytes, key: str, reason: str, headers: Any) -> None:
        self.dead.append(reason)


@pytest.fixture
async def bus(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, connection_name="gltest-give-up-newer")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()


def the_log(made: list[ReleaseEvent], newer: str) -> list[Logged]:
    if newer == "an unknown state":
        return newer_steps(made, S.PUSHING)
    if newer == "schema_version 2":
        return newer_steps(made, S.PUSHING, scanning=False, schema_2=S.PUSHING)
    pushing = made[[e.state for e in made].index(S.PUSHING)]
    return [*logged(made[:pushing.seq - 1]),
            (pushing, pushing.routing_key, pushing.dumps().replace(b'"seq":%d' % pushing.seq, b'"seq":"five"'))]


@pytest.mark.parametrize("newer", ["an unknown state", "schema_version 2", "malformed"])
async def test_a_give_up_leaves_a_release_a_newer_version_moved_on(bus: Bus, newer: str) -> None:
    made = chain("r1", app="shop")
    built = next(event for event in made if event.state is S.BUILT)
    await publish_bodies(bus, the_log(made, newer))
    giving, message = Giving(bus), Held(built)
    with capture_logs() as logs:
        await GiveUp(giving, "pusher", "gltest.pusher").unsettled(message, built, attempt=6)  # type: ignore[arg-type]
    warnings = [line for line in logs if line["log_level"] == "warning"]
    if newer == "malformed":  # as ever: failed from the newest event read, dead-lettered
        assert [(e.seq, e.state) for e in giving.published] == [(built.seq + 1, S.FAILED)]
        assert len(giving.dead) == 1 and message.settled == ["ack"]
        assert [line["event"] for line in warnings] == ["unreadable event in release log", "dead-lettering message"]
        return
    assert giving.published == [], f"failed on the newer version's seq: {giving.published!r}"
    assert giving.dead == [] and message.settled == ["ack"]
    assert [(line.get("release"), "newer" in line["event"]) for line in warnings] == [("r1", True)], logs
