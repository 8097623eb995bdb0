"""The database away (it holds the subscriptions and the delivery records): a notification waits on the broker at
the delivery backoff's steps and is delivered once the database is back, exactly once; an outage that outlasts
every step dead-letters it with the reason. Before, it was requeued at once and lost within a second."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import pytest

from services.notifier.retry import RetryQueues
from services.shared.bus import REASON_HEADER
from services.shared.events import ReleaseEvent
from services.shared.settings import BusSettings
from tests.harness import dead_letters, dlq_depth
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver
from tests.tcp_proxy import TcpProxy


def proxied(postgres_url: str, proxy: TcpProxy, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's database through `proxy`, set as GREENLIGHT_DATABASE_URL."""
    database = urlparse(postgres_url)
    url = postgres_url.replace(database.netloc, f"{database.username}@127.0.0.1:{proxy.port}")
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    return url


def parks_counted(monkeypatch: pytest.MonkeyPatch) -> asyncio.Condition:
    """A condition notified at each park for an outage; `parked.count` says how many so far."""
    parked = asyncio.Condition()
    parked.count = 0  # type: ignore[attr-defined]
    park = RetryQueues.park

    async def spy(self: RetryQueues, event: ReleaseEvent, subscription_id: str | None, level: int,
                  outages: int = 0) -> None:
        await park(self, event, subscription_id, level, outages)
        if outages:
            async with parked:
                parked.count += 1  # type: ignore[attr-defined]
                parked.notify_all()

    monkeypatch.setattr(RetryQueues, "park", spy)
    return parked


async def test_a_notification_waits_out_the_outage(bus_settings: BusSettings, postgres_url: str,
                                                   receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = TcpProxy(urlparse(postgres_url).hostname or "127.0.0.1", urlparse(postgres_url).port or 5432)
    await proxy.start()
    parked = parks_counted(monkeypatch)
    [requested] = walk("r-out", "demo")
    try:
        async with rig(bus_settings, proxied(postgres_url, proxy, monkeypatch), receiver,
                       retry_delays=[0.2, 0.4, 0.8, 1.6, 3.2]) as r:
            await proxy.away()
            await r.publish(requested)
            async with asyncio.timeout(20), parked:
                await parked.wait_for(lambda: parked.count >= 2)  # type: ignore[attr-defined]
            assert receiver.accepted == []
            await proxy.back()
            [delivered] = await receiver.wait_for(1)
            dead = await dlq_depth(bus_settings)
    finally:
        await proxy.stop()
    assert delivered["id"] == f"{requested.release_id}/{requested.seq}"
    assert dead == 0


async def test_an_outage_past_every_step_is_dead_lettered_with_the_reason(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = TcpProxy(urlparse(postgres_url).hostname or "127.0.0.1", urlparse(postgres_url).port or 5432)
    await proxy.start()
    [requested] = walk("r-gone", "demo")
    try:
        async with rig(bus_settings, proxied(postgres_url, proxy, monkeypatch), receiver,
                       retry_delays=[0.05, 0.1]) as r:
            await proxy.away()
            await r.publish(requested)
            [dead] = await dead_letters(bus_settings, 1)
    finally:
        await proxy.stop()
    reason = str((dead.headers or {}).get(REASON_HEADER, ""))
    assert "database is unavailable" in reason and "2 retries" in reason, dead.headers
    assert receiver.accepted == []
