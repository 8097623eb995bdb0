"""A policy timer due further ahead than the timer claims are kept (GREENLIGHT_HOOKS_CLAIM_RETENTION, 30 days by
default; an expiry may be up to ten years) keeps its claim until a retention period after it is due, so a restart
with unchanged bounds parks no copy of it, as the start-up step promises (policy_rearm.py). The defect: the claim
was stamped with the time the timer was parked and pruned 30 days on; with an expiry of 60 days, a restart 31 days
after the release became ready parked a second expiry timer, and one more for every retention period a restart
fell in."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

import aio_pika

from services.approval.hook_claims import Claims
from services.approval.policy_rearm import TIMER_REARM
from services.approval.policy_timers import MAX_DELAY_SECONDS, delay_queue_name
from services.approval.policy_watch import POLICY_WATCH
from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.release import utcnow
from services.shared.runtime import BUS
from tests.approval.conftest import api_client, staged_release
from tests.approval.fakes import FakeClock, fake_pipeline
from tests.harness import running

DAY = 24 * 3600
EXPIRY = 60 * DAY  # longer than the claims are kept (30 days), well within the ten years allowed


async def parked(bus_connection: aio_pika.abc.AbstractConnection, names: list[str]) -> int:
    """Timers waiting in these delay queues (an absent queue holds none)."""
    total = 0
    for name in names:
        channel = await bus_connection.channel()
        try:
            total += (await channel.declare_queue(name, passive=True)).declaration_result.message_count or 0
        except aio_pika.exceptions.ChannelClosed:
            pass
        finally:
            if not channel.is_closed:
                await channel.close()
    return total


async def test_a_restart_past_the_claim_retention_parks_no_second_timer(any_database: str,
                                                                         settings: ApprovalSettings) -> None:
    # any_database first: `settings` reads GREENLIGHT_DATABASE_URL, which it sets, when it is made.
    clock = FakeClock()
    sixty_days = settings.model_copy(update={"policy": settings.policy.model_copy(
        update={"default_expiry_seconds": EXPIRY})})
    async with running(fake_pipeline(settings.bus)):
        async with api_client(sixty_days, clock=clock) as before:
            release_id = await staged_release(before, app="long-expiry")
            async with asyncio.timeout(10):
                await before.app[POLICY_WATCH].outcome("set")  # parked, and claimed
            waiting = await before.app[DATABASE].latest(release_id)
            assert waiting is not None
            # 31 days on: any claim then (a hook delivery) prunes the claims older than the retention.
            later = utcnow() + timedelta(days=31)
            assert await Claims(before.app[DATABASE].engine, clock=lambda: later).claim("delivery:github:a later one")
        clock.advance(31 * DAY)
        async with api_client(sixty_days, clock=clock) as after:
            async with asyncio.timeout(20):
                await after.app[TIMER_REARM].done.wait()
            due = waiting.occurred_at + timedelta(seconds=EXPIRY)
            rest = min(max(1, math.ceil((due - clock.now()).total_seconds())), MAX_DELAY_SECONDS)
            bus = after.app[BUS]
            queues = sorted({delay_queue_name(bus, MAX_DELAY_SECONDS), delay_queue_name(bus, rest)})
            try:
                # One expiry, one timer on the broker: the one parked when the release became ready.
                assert (after.app[TIMER_REARM].parked, await parked(bus.connection, queues)) == (0, 1)
            finally:
                channel = await bus.connection.channel()
                for name in queues:
                    await channel.queue_delete(name)
                await channel.close()
