"""The start-up step that parks the policy's timers of releases already waiting (services/approval/policy_rearm.py)
parks each timer once: API replicas starting together park one copy among them, not one each, and a restart with
unchanged bounds parks none (the timer parked when the release became ready is known)."""

from __future__ import annotations

import asyncio
import contextlib

from services.approval.policy_rearm import TIMER_REARM
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from tests.approval.conftest import api_client, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

HOUR, WEEK = 3600, 7 * 24 * 3600


def bounded(settings: ApprovalSettings, **bounds: object) -> ApprovalSettings:
    return settings.model_copy(update={"policy": settings.policy.model_copy(update=bounds)})


async def parked_by_replicas(settings: ApprovalSettings, clock: FakeClock, replicas: int) -> int:
    """How many timers `replicas` API processes started together parked at start-up, all told."""
    async with contextlib.AsyncExitStack() as stack:
        clients = await asyncio.gather(*(stack.enter_async_context(api_client(settings, clock=clock))
                                         for _ in range(replicas)))
        async with asyncio.timeout(20):
            for client in clients:
                await client.app[TIMER_REARM].done.wait()
        return sum(client.app[TIMER_REARM].parked for client in clients)


async def test_replicas_starting_together_park_a_shortened_timer_once(any_database: str,
                                                                      settings: ApprovalSettings) -> None:
    # any_database first: `settings` reads GREENLIGHT_DATABASE_URL, which it sets, when it is made.
    clock = FakeClock()
    async with running(fake_pipeline(settings.bus)):
        async with api_client(bounded(settings, default_expiry_seconds=WEEK), clock=clock) as before:
            await staged_release(before, app="three-replicas")
            await before.app[POLICY_WATCH].outcome("set")
        assert await parked_by_replicas(bounded(settings, default_expiry_seconds=HOUR), clock, 3) == 1
        assert await parked_by_replicas(bounded(settings, default_expiry_seconds=HOUR), clock, 3) == 0


async def test_a_restart_with_unchanged_bounds_parks_nothing(settings: ApprovalSettings) -> None:
    clock = FakeClock()
    week = bounded(settings, default_expiry_seconds=WEEK)
    async with running(fake_pipeline(settings.bus)):
        async with api_client(week, clock=clock) as before:
            await staged_release(before, app="restarted")
            await before.app[POLICY_WATCH].outcome("set")
        assert await parked_by_replicas(week, clock, 1) == 0
