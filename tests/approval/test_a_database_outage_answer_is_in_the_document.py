"""While the release database does not answer, every route that reads it answers 503 with Retry-After (errors.py):
the OpenAPI document must list that answer for those operations.

Before, 503 was documented only for the routes that take a JSON body (for the event bus's confirmation): the reads
(`GET /releases`, `GET /apps/{app}`, ...) and `POST /events/tickets` answered 503 in an outage, a status their
operations did not list, so a client generated from the document met an answer it was never told of.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.settings import BusSettings
from tests.approval.conftest import ADMIN, REQUESTER, api_client
from tests.tcp_proxy import TcpProxy

TIMEOUT = 1.0  # the statement timeout: how long a read waits on the silent database before it is an outage
# (method, path as asked, path as documented, caller)
ASKED = (("GET", "/releases", "/releases", REQUESTER), ("GET", "/releases/r1", "/releases/{id}", REQUESTER),
         ("GET", "/apps/demo", "/apps/{app}", REQUESTER), ("POST", "/events/tickets", "/events/tickets", REQUESTER),
         ("GET", "/subscriptions", "/subscriptions", ADMIN))


@pytest.fixture
async def proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    proxy.thaw()
    await proxy.stop()


async def test_the_outage_503_is_documented_where_it_is_answered(bus_settings: BusSettings, postgres_url: str,
                                                                  proxy: TcpProxy) -> None:
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    database = DatabaseSettings(GREENLIGHT_DATABASE_URL=through_proxy.render_as_string(hide_password=False),  # type: ignore[call-arg]
                                statement_timeout=TIMEOUT)
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings, database=database)) as client:
        paths = (await (await client.get("/openapi.json")).json())["paths"]
        assert (await client.get("/releases", headers=REQUESTER)).status == 200  # its connection is open
        proxy.freeze()

        async def answer(method: str, path: str, caller: dict[str, str]) -> tuple[int, str | None, str]:
            response = await client.request(method, path, headers=caller)
            return response.status, response.headers.get("Retry-After"), await response.text()

        # At once, and bounded here, so that a hang fails the test at once rather than at pytest's timeout.
        answers = await asyncio.wait_for(asyncio.gather(*(answer(m, p, c) for m, p, _, c in ASKED)), 30)
        for (method, path, documented, _), (status, retry_after, text) in zip(ASKED, answers, strict=True):
            assert status == 503 and retry_after, (path, status, text)
            assert "503" in paths[documented][method.lower()]["responses"], (method, documented)
        assert "503" not in paths["/me"]["get"]["responses"]  # it reads no database: nothing to document there
        assert (await client.get("/me", headers=REQUESTER)).status == 200
        proxy.thaw()  # before the API stops: its stop then closes connections that answer
