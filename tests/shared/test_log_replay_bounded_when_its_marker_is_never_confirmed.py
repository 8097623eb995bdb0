"""A log reader's start gives up at its timeout even when the marker it publishes to prove catch-up is never
confirmed (a stream with no leader to write it, a connection gone silent): the publish waited for its confirm with no
bound, ahead of the bounded wait for the marker, so `latest_event` (a give-up after a crash loop) held its message,
and a worker's or the API's start hung, until the connection was given up, minutes on the default heartbeat."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared import releaselog
from services.shared.bus import Bus
from services.shared.releaselog import LogReader
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore
from services.shared.timeouts import bounded
from tests.tcp_proxy import proxied


async def test_log_replay_ends_at_its_timeout_when_the_marker_is_never_confirmed(
    bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with proxied(bus_settings) as (proxy, via_proxy):
        bus = Bus(via_proxy, connection_name="gltest-unconfirmed-marker")
        await bus.connect()
        consume = releaselog.consume_log

        async def then_silence(*args: Any, **kwargs: Any) -> Any:
            channel = await consume(*args, **kwargs)
            proxy.freeze()  # consuming; from here on nothing reaches the broker, nor comes back
            return channel

        monkeypatch.setattr(releaselog, "consume_log", then_silence)
        reader = LogReader(bus, ReleaseStore())
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            with pytest.raises(TimeoutError):
                await bounded(reader.start(timeout=1.0), 15)
            assert loop.time() - started < 5, "the start outlasted its timeout, waiting for the marker's confirm"
        finally:
            proxy.thaw()
            await reader.stop()
            await bus.close()
