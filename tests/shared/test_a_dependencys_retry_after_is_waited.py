"""A retry waits at least what the dependency asked for (a 429's or 503's Retry-After), in the first tier that long.

The retry went at the backoff's next tier whatever the registry had said: with tiers of 0.5, 1, 2 and 4 s, a rate
limit asking for 1.5 s was met again after 0.5 s. Now the message is parked in the 2 s tier, and its progress says
what was asked. A wait past the longest tier waits that tier (a queue expires only at its head), and the next refusal
asks again; an ask that would outlast the retry budget fails the release at once, saying so, rather than spending
the budget on refusals.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiohttp import web

from services.shared.consumer import Retry
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.topology import retry_delays, retry_queue_name
from services.shared.work_queues import next_wait
from tests.harness import delete_queues, make_release, running, wait_for_state
from tests.shared.conftest import stub_service

ASKED = 1.5


@pytest.mark.parametrize(("attempt", "asked", "tier"), [
    (1, None, 0.5), (2, None, 1.0), (1, 1.5, 2.0), (1, 0.2, 0.5), (3, 0.2, 2.0), (1, 60.0, 4.0), (1, 4.0, 4.0),
])
def test_the_tier_and_wait(attempt: int, asked: float | None, tier: float) -> None:
    delay, wait = next_wait((0.5, 1.0, 2.0, 4.0), attempt, 0.25, asked)
    assert delay == tier
    assert tier * 0.75 <= wait <= tier  # the jitter's share, and never past the tier's own delay
    if asked is not None:
        assert wait >= min(asked, tier)


async def test_the_retry_comes_back_no_sooner_than_asked(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"retry_initial_delay": 0.5, "retry_max_delay": 4.0,
                                               "retry_jitter": 0.25})
    attempts: list[float] = []

    async def rate_limited_once(event: ReleaseEvent) -> None:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise Retry("registry answered 429", dependency="registry", not_before=ASKED)

    try:
        async with running(stub_service(settings, rate_limited_once)):
            await probe[BUS].publish(first_event(make_release(), actor="ann"))
            await wait_for_state(probe[STORE], "r1", S.BUILT, timeout=15)
        assert len(attempts) == 2
        assert attempts[1] - attempts[0] >= ASKED, attempts  # the 0.5 s tier came back after 0.375-0.5 s
        logged = probe[STORE].history["r1"][-1].event
        assert logged.details["retries"] == 1 and logged.details["last_retry_error"] == "registry answered 429"
    finally:  # its tiers are this test's own: the fixtures' clean-up deletes only the usual tiers' queues
        await asyncio.shield(delete_queues(settings, *(retry_queue_name(settings.queue_prefix + "builder", delay)
                                                       for delay in retry_delays(settings))))


async def test_an_ask_past_the_retry_budget_fails_the_release_at_once(bus_settings: BusSettings,
                                                                       probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"retry_initial_delay": 0.5, "retry_max_delay": 4.0,
                                               "retry_budget": timedelta(seconds=20)})
    attempts: list[float] = []

    async def rate_limited_for_a_minute(event: ReleaseEvent) -> None:
        attempts.append(time.monotonic())
        raise Retry("registry answered 429", dependency="registry", not_before=60)

    try:
        async with running(stub_service(settings, rate_limited_for_a_minute)):
            await probe[BUS].publish(first_event(make_release(), actor="ann"))
            failed = await wait_for_state(probe[STORE], "r1", S.FAILED, timeout=15)
        assert len(attempts) == 1  # before: retried every 4 s until the 20 s were spent
        reason = failed.error.reason if failed.error is not None else ""
        assert "asked to be left alone 60 s more (Retry-After)" in reason, reason
        assert "GREENLIGHT_RETRY_BUDGET=20s" in reason, reason
    finally:
        await asyncio.shield(delete_queues(settings, *(retry_queue_name(settings.queue_prefix + "builder", delay)
                                                       for delay in retry_delays(settings))))
