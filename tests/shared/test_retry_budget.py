"""A dependency down for longer than GREENLIGHT_RETRY_BUDGET fails the release with the dependency, how long it
was down and its last error; a permanent error is not retried at all."""

from __future__ import annotations

import time
from datetime import timedelta

from aiohttp import web
from structlog.testing import capture_logs

from services.shared.consumer import Retry
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.work_queues import retry_delays
from tests.harness import dead_letters, make_release, running, wait_for_state
from tests.shared.conftest import stub_service


async def test_release_fails_once_the_budget_is_spent(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=2)})
    attempts: list[float] = []

    async def down(event: ReleaseEvent) -> None:
        attempts.append(time.monotonic())
        raise Retry("registry unreachable at http://127.0.0.1:1: connection refused", dependency="registry")

    with capture_logs() as logs:
        async with running(stub_service(settings, down)):
            await probe[BUS].publish(first_event(make_release(), actor="ann"))
            failed = await wait_for_state(probe[STORE], "r1", S.FAILED, timeout=10)
            [letter] = await dead_letters(settings, 1)
    assert failed.error is not None and failed.error.step == "builder"
    reason = failed.error.reason
    assert "registry unavailable for" in reason and "GREENLIGHT_RETRY_BUDGET=2s" in reason
    assert "connection refused" in reason
    # Tiers 0.2, 0.4, 0.8, 0.8... within 2 s: a handful of tries, not the hundreds an immediate requeue makes. How
    # many come depends on the broker too (a starved one brought the first retry back 1.86 s after its 0.17 s wait in
    # a clean-clone run): each wait the retrier chose is its tier's, less at most the jitter, whatever the broker did.
    assert 2 <= len(attempts) <= 7, attempts
    waits = [line["wait"] for line in logs if line["event"] == "dependency unavailable; retrying later"]
    tiers = retry_delays(settings)
    assert len(waits) == len(attempts) - 1, (waits, attempts)
    for retry, wait in enumerate(waits):
        tier = tiers[min(retry, len(tiers) - 1)]
        assert tier * (1 - settings.retry_jitter) - 0.01 <= wait <= tier, (retry, wait, tiers)
    # The count alone passes a retrier that gives up at half the budget (3 tries). It gives up only once the next
    # wait, at most the 0.8 s cap, would end past 2 s, so the last try came at least 1.2 s after the first
    # (0.1 s allowed for the handler-to-retrier delays, milliseconds when measured).
    assert attempts[-1] - attempts[0] >= 1.1, attempts
    assert letter.body  # the message is kept for people, not dropped


async def test_a_permanent_error_is_not_retried(bus_settings: BusSettings, probe: web.Application) -> None:
    settings = bus_settings.model_copy(update={"delivery_limit": 1})
    attempts: list[int] = []

    async def refused(event: ReleaseEvent) -> None:
        attempts.append(1)
        raise PermissionError("denied: requested access to the resource is denied")

    async with running(stub_service(settings, refused)):
        await probe[BUS].publish(first_event(make_release(), actor="ann"))
        failed = await wait_for_state(probe[STORE], "r1", S.FAILED)
    assert attempts == [1]
    assert failed.error is not None and "denied" in failed.error.reason
