"""A cut connection is survived: consumers resume and in-flight messages are redelivered, not lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest
from aiohttp import web
from pydantic import SecretStr

from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS, STORE
from services.shared.settings import BusSettings
from tests.harness import make_release, running, wait_for_state
from tests.shared.conftest import stub_service
from tests.tcp_proxy import TcpProxy


@pytest.fixture
async def proxy(bus_settings: BusSettings) -> AsyncIterator[TcpProxy]:
    url = urlparse(bus_settings.amqp_url.get_secret_value())
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 5672)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def test_consumer_resumes_after_the_connection_is_cut(
    bus_settings: BusSettings, probe: web.Application, proxy: TcpProxy
) -> None:
    via_proxy = bus_settings.model_copy(
        update={"amqp_url": SecretStr(f"amqp://guest:guest@127.0.0.1:{proxy.port}/?reconnect_interval=0.2")}
    )
    in_handler = asyncio.Event()
    release_handler = asyncio.Event()

    async def gated(event: ReleaseEvent) -> None:
        if event.release_id == "r2":
            in_handler.set()
            await release_handler.wait()

    async with running(stub_service(via_proxy, gated)):
        await probe[BUS].publish(first_event(make_release("r1"), actor="ann"))
        await wait_for_state(probe[STORE], "r1", S.BUILT)

        await probe[BUS].publish(first_event(make_release("r2"), actor="ann"))
        await asyncio.wait_for(in_handler.wait(), 10)
        await proxy.cut()  # mid-handler: its publish and ack are lost with the connection
        release_handler.set()
        await probe[BUS].publish(first_event(make_release("r3"), actor="ann"))
        assert (await wait_for_state(probe[STORE], "r3", S.BUILT, timeout=30)).state == S.BUILT
        assert (await wait_for_state(probe[STORE], "r2", S.BUILT, timeout=30)).state == S.BUILT
    assert [e.event.seq for e in probe[STORE].history["r2"]] == [1, 2, 3]
