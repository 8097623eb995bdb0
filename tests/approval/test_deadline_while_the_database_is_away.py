"""A step's deadline timer that fires while the database is out of reach, for longer than the retry budget, fails
no release that finished the step: the watcher asks the release log itself. (It used to retry on the database,
then give the timer up, failing the release from the timer's own event: a `failed` on the seq of the step's
outcome, for a release that was built in time.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlparse

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage

from services.approval.deadlines import DeadlineWatch
from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.deadlines import STEP_DEADLINES, DeadlineSettings, deadline_queue_name
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import advance, api_client, request_release
from tests.approval.failures import failures_heard
from tests.conftest import psql
from tests.harness import delete_queues

# Long enough to build before the timer fires; the retry budget (4 s in tests) is spent long before the database
# comes back.
DEADLINES = DeadlineSettings(build=timedelta(seconds=3), push=timedelta(minutes=10), deploy=timedelta(minutes=10),
                             switch=timedelta(minutes=10))


@pytest.fixture
async def short(postgres_url: str, settings: ApprovalSettings) -> AsyncIterator[ApprovalSettings]:
    yield settings.model_copy(update={"deadlines": DEADLINES})
    await delete_queues(settings.bus, *(deadline_queue_name(settings.bus, s, DEADLINES.of(s)) for s in STEP_DEADLINES))


async def outage_at_the_timer(settings: ApprovalSettings, postgres_url: str, monkeypatch: pytest.MonkeyPatch,
                              *steps: S) -> tuple[bool, list[ReleaseEvent]]:
    """A release taken through `steps`, then the database away until its build timer fired: whether the watcher
    decided (rather than have the timer retried or given up), and the `failed` events published meanwhile."""
    decided = asyncio.Event()
    watch = DeadlineWatch.__call__

    async def spy(self: DeadlineWatch, timer: ReleaseEvent, bus: Bus) -> None:
        await watch(self, timer, bus)
        decided.set()  # decided on the release (failing it or not), not retried

    monkeypatch.setattr(DeadlineWatch, "__call__", spy)
    name = urlparse(postgres_url).path.lstrip("/")
    failed: list[ReleaseEvent] = []
    async with api_client(settings) as client:
        async with failures_heard(settings.bus) as (channel, failures):
            release = await request_release(client)
            if steps:
                await advance(client, release["id"], *steps)
            seen, drained = asyncio.Event(), asyncio.Event()

            async def on_failure(message: AbstractIncomingMessage) -> None:
                if message.body == b"drained":
                    drained.set()
                    return
                failed.append(ReleaseEvent.model_validate_json(message.body))
                seen.set()

            await failures.consume(on_failure, no_ack=True)
            try:
                # The database goes away before the build's timer fires, and stays away.
                psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
                either = [asyncio.ensure_future(decided.wait()), asyncio.ensure_future(seen.wait())]
                try:
                    await asyncio.wait(either, timeout=30, return_when=asyncio.FIRST_COMPLETED)
                    if decided.is_set():
                        # A `failed` it published was confirmed, so queued here before this, and read before it.
                        await channel.default_exchange.publish(aio_pika.Message(b"drained"), failures.name)
                        await asyncio.wait_for(drained.wait(), 10)
                finally:
                    for task in either:
                        task.cancel()
            finally:
                psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    return decided.is_set(), failed


async def test_a_build_timer_during_an_outage_leaves_a_built_release_alone(
        short: ApprovalSettings, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    decided, failed = await outage_at_the_timer(short, postgres_url, monkeypatch, S.BUILDING, S.BUILT)
    assert not failed, f"a release built in time was failed: {failed[0]!r}"
    assert decided, "the watcher never decided"


async def test_a_build_timer_during_an_outage_fails_a_release_still_building(
        short: ApprovalSettings, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    decided, failed = await outage_at_the_timer(short, postgres_url, monkeypatch, S.BUILDING)
    assert decided, "the watcher never decided"
    assert [(event.seq, event.actor) for event in failed] == [(3, "deadline")]
    assert failed[0].release.error is not None and failed[0].release.error.reason == (
        "build did not finish within its deadline of 3 s (GREENLIGHT_DEADLINE_BUILD); the release was still building")
