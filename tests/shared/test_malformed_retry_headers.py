"""A message whose retry headers are not what the consumer's retries write (a publisher's or a tool's own, a header of
another type) is handled as a first attempt. A negative count raised IndexError in the consumer once the handler
asked for a retry (the count picks the delay tier), outside any handler: the message was never settled and held a
prefetch slot until the channel closed. A start time in the future was kept by every retry, so the budget was never
spent: a dependency down for good was retried for ever instead of failing the release."""

from __future__ import annotations

from typing import Any

import aio_pika
from aiohttp import web

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.retries import RETRIES_HEADER, SINCE_HEADER
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from services.shared.transient import Retry
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service

LEFT_BY_PUBLISHERS: dict[str, dict[str, Any]] = {
    "negative": {RETRIES_HEADER: -10},
    "signed": {RETRIES_HEADER: -1, SINCE_HEADER: -(2**40)},
    "listed": {RETRIES_HEADER: [1], SINCE_HEADER: {"ms": 1}},
    "flagged": {RETRIES_HEADER: True, SINCE_HEADER: False},
}


async def test_malformed_retry_headers_are_a_first_attempt(bus_settings: BusSettings, probe: web.Application) -> None:
    retried: set[str] = set()

    async def once_unavailable(event: ReleaseEvent) -> None:
        if event.release_id not in retried:  # through the retry path too, where the count picks the delay
            retried.add(event.release_id)
            raise Retry("engine unavailable", dependency="engine")

    async with running(stub_service(bus_settings, once_unavailable)):
        channel = await probe[BUS].connection.channel()
        queue = f"{bus_settings.queue_prefix}builder"
        for rid, headers in LEFT_BY_PUBLISHERS.items():
            body = first_event(make_release(rid=rid, app=f"app-{rid}"), actor="ann").dumps()
            await channel.default_exchange.publish(aio_pika.Message(body, headers=headers), routing_key=queue)
        await channel.close()
        for rid in LEFT_BY_PUBLISHERS:
            reached = await wait_for_state(probe[STORE], rid, S.BUILT, S.FAILED, timeout=10)
            assert reached.state is S.BUILT, (rid, reached.error)


async def test_a_start_time_in_the_future_does_not_retry_for_ever(bus_settings: BusSettings,
                                                                   probe: web.Application) -> None:
    async def down_for_good(event: ReleaseEvent) -> None:
        raise Retry("engine unavailable", dependency="engine")

    async with running(stub_service(bus_settings, down_for_good)):
        channel = await probe[BUS].connection.channel()
        body = first_event(make_release(rid="ahead", app="app-ahead"), actor="ann").dumps()
        headers = {SINCE_HEADER: 2**62}  # milliseconds: far past any clock
        await channel.default_exchange.publish(aio_pika.Message(body, headers=headers),
                                               routing_key=f"{bus_settings.queue_prefix}builder")
        await channel.close()
        budget = bus_settings.retry_budget.total_seconds()
        reached = await wait_for_state(probe[STORE], "ahead", S.BUILT, S.FAILED, timeout=budget + 10)
        assert reached.state is S.FAILED and reached.error is not None and "retry budget" in reached.error.reason
