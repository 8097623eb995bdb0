"""A PostgreSQL that stops answering (every packet dropped and nobody told: a network partition, a frozen server) is
an outage once GREENLIGHT_DATABASE_STATEMENT_TIMEOUT has passed, not a hang until the kernel gives the connection up
(about 15 minutes): the API answers 503 with Retry-After, and once the database answers again so does the API, its
projector folding what the log delivered meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from services.approval.settings import ApprovalSettings
from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER, api_client
from tests.db.conftest import chain, publish_all
from tests.harness import wait_for_state
from tests.tcp_proxy import TcpProxy

TIMEOUT = 1.0  # the statement timeout these tests set


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    proxy.thaw()
    await proxy.stop()


async def test_a_database_that_stops_answering_is_an_outage_not_a_hang(
        bus: Bus, bus_settings: BusSettings, postgres_url: str, proxy: TcpProxy) -> None:
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    database = DatabaseSettings(GREENLIGHT_DATABASE_URL=through_proxy.render_as_string(hide_password=False),  # type: ignore[call-arg]
                                statement_timeout=TIMEOUT)
    settings = ApprovalSettings(dev_tokens=True, bus=bus_settings, database=database)
    async with api_client(settings) as client:
        assert (await client.get("/releases", headers=REQUESTER)).status == 200
        proxy.freeze()
        started = time.monotonic()
        # Bounded here so that a hang fails the test at once instead of waiting for pytest's timeout.
        response = await asyncio.wait_for(client.get("/releases", headers=REQUESTER), 30)
        took = time.monotonic() - started
        assert response.status == 503 and response.headers.get("Retry-After"), await response.text()
        assert TIMEOUT <= took < 10 * TIMEOUT, took
        await publish_all(bus, chain("r1"))  # delivered to the API's projector while nothing answers it

        proxy.thaw()
        await wait_for_state(client.server.app[DATABASE], "r1", S.AWAITING_APPROVAL, timeout=30)
        detail = await client.get("/releases/r1", headers=REQUESTER)
        assert detail.status == 200 and (await detail.json())["release"]["state"] == "awaiting_approval"
