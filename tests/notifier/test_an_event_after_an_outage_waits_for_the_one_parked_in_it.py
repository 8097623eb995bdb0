"""The database away parks a notification at the backoff's steps (no record can say it is pending); a later event of
the same release that comes once the database is back waits for it, so the subscriber still hears the release in
order. Before, the later one was sent at once and the parked one when its step ran out: `failed` before
`requested` (for a Slack subscriber, a release's failure before the message asking to approve it)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlparse

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.test_database_outage_parks import parks_counted, proxied
from tests.tcp_proxy import TcpProxy


async def test_an_event_after_an_outage_waits_for_the_one_parked_in_it(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = TcpProxy(urlparse(postgres_url).hostname or "127.0.0.1", urlparse(postgres_url).port or 5432)
    await proxy.start()
    parked = parks_counted(monkeypatch)
    requested, failed = walk("r-order", "demo", S.FAILED)
    try:
        # The second step long enough for the later event to come while the first waits in it.
        async with rig(bus_settings, proxied(postgres_url, proxy, monkeypatch), receiver,
                       retry_delays=[0.2, 3.0, 3.0]) as r:
            await proxy.away()
            await r.publish(requested)
            async with asyncio.timeout(20), parked:
                await parked.wait_for(lambda: parked.count >= 2)  # type: ignore[attr-defined]  # at the 3 s step
            await proxy.back()
            await r.publish(failed)
            delivered = await receiver.wait_for(2)
    finally:
        await proxy.stop()
    assert [d["id"] for d in delivered] == [requested.message_id, failed.message_id]
