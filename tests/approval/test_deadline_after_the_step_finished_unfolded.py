"""A step's deadline timer that fires while the step's outcome is logged but not folded yet (the projector lingers
over intermediate steps, or its batch is being committed) leaves the release alone: the step finished in time.

Here the build finishes (`built` logged) before its deadline, and the projector's batch holding it is held until
the watcher has decided, or has started waiting for the read model to catch up with the log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from services.approval.deadlines import DeadlineWatch
from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.deadlines import STEP_DEADLINES, DeadlineSettings, deadline_queue_name
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client, reach, request_release
from tests.approval.failures import failures_heard
from tests.harness import HeldFold, delete_queues, waiting_signal

DEADLINES = DeadlineSettings(build=timedelta(seconds=1), push=timedelta(minutes=10), deploy=timedelta(minutes=10),
                             switch=timedelta(minutes=10))


@pytest.fixture
async def short(settings: ApprovalSettings) -> AsyncIterator[ApprovalSettings]:
    yield settings.model_copy(update={"deadlines": DEADLINES})
    await delete_queues(settings.bus, *(deadline_queue_name(settings.bus, s, DEADLINES.of(s)) for s in STEP_DEADLINES))


async def test_a_build_timer_firing_before_built_is_folded_leaves_the_release_alone(
        short: ApprovalSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    decided = asyncio.Event()
    watch = DeadlineWatch.__call__

    async def spy(self: DeadlineWatch, timer: ReleaseEvent, bus: Bus) -> None:
        try:
            await watch(self, timer, bus)
        finally:
            decided.set()

    monkeypatch.setattr(DeadlineWatch, "__call__", spy)
    async with api_client(short) as client:
        async with failures_heard(short.bus) as (_, failures):
            release = await request_release(client)
            await reach(client, release["id"], S.REQUESTED)
            database = client.app[DATABASE]
            held, waiting = HeldFold(database), waiting_signal(database)
            requested = await database.latest(release["id"])
            assert requested is not None
            building = requested.next(S.BUILDING, actor="builder")
            await client.app[BUS].publish(building)
            await client.app[BUS].publish(building.next(S.BUILT, actor="builder"))  # in time: the timer runs 1 s
            await asyncio.wait_for(held.held.wait(), 10)
            # The timer fires; the watcher decides on what it sees, or waits for the fold, which then goes on.
            either = [asyncio.ensure_future(decided.wait()), asyncio.ensure_future(waiting.wait())]
            try:
                await asyncio.wait(either, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in either:
                    task.cancel()
            held.release.set()
            await asyncio.wait_for(decided.wait(), 15)
            failed = await failures.get(no_ack=True, fail=False)
            latest = await database.latest(release["id"])
    assert failed is None, f"a release that finished its build in time was failed: {failed.body!r}"
    assert latest is not None and latest.state is S.BUILT
