"""Two older replicas and an event only a newer Greenlight reads, with no newer replica running: each stops at it,
lets the lease go and tries again only after NEWER_PAUSE lease intervals. They hand the lease round at that pace
(no ping-pong each lease interval, no busy loop), one error line per try, and neither ever passes the event."""

from __future__ import annotations

import asyncio
from collections import Counter

import structlog

from services.shared.bus import Bus
from services.shared.db.newer_hand_off import NEWER_PAUSE
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.standby import ReadModel
from tests.db.newer_events import publish_bodies, read_model, until_ready, with_a_newer_step

LEASE_INTERVAL = 0.05
WINDOW = 3.0  # seconds: two pauses of NEWER_PAUSE lease intervals (1.5 s), 60 lease intervals


def _counted(model: ReadModel, tries: Counter[str], name: str) -> None:
    lease = model.projector.lease
    real = lease.try_acquire

    async def try_acquire() -> bool:
        tries[name] += 1
        return await real()

    lease.try_acquire = try_acquire  # type: ignore[method-assign]


async def test_older_replicas_retry_the_lease_at_a_pace(bus: Bus, database: ReleaseDatabase) -> None:
    tries: Counter[str] = Counter()
    async with (read_model(bus, database, lease_interval=LEASE_INTERVAL) as first,
                read_model(bus, database, lease_interval=LEASE_INTERVAL) as second):
        _counted(first, tries, "first")
        _counted(second, tries, "second")
        await publish_bodies(bus, with_a_newer_step("r1", "shop"))
        await until_ready(first, False)
        await until_ready(second, False)  # the second took the lease over, and stopped at it too
        offset = first.left_to_newer
        assert offset is not None and second.left_to_newer == offset
        tries.clear()
        with structlog.testing.capture_logs() as logs:
            await asyncio.sleep(WINDOW)  # a window to count attempts in, not a wait for something to happen
        assert await database.last_offset() == offset - 1
        assert not first.ready and not second.ready
    pauses = WINDOW / (NEWER_PAUSE * LEASE_INTERVAL)
    # Each tries once a pause (a spin: once every lease interval, 60 times in the window, or every follow interval).
    assert sum(tries.values()) <= 2 * (pauses + 1), tries
    assert tries["first"] >= 1 and tries["second"] >= 1, tries  # each tries again: it may read it by now
    errors = [line for line in logs if line["log_level"] == "error"]
    assert len(errors) <= 2 * (pauses + 1), len(errors)
    assert all(line["offset"] == offset for line in errors)
