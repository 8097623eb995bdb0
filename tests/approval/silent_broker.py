"""The API on a broker connection a test can make silent (a TCP proxy that stops forwarding, as a network dropping
every packet), and what the notifier's queue receives, seen on a connection of its own that stays up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.approval.subscription_bindings import BINDINGS
from services.shared.bus import Bus
from services.shared.events import first_event
from services.shared.notified import notifier_queue
from services.shared.protocol import ReleaseState
from services.shared.settings import BusSettings
from tests.approval.conftest import api_client
from tests.harness import make_release
from tests.tcp_proxy import TcpProxy, proxied

Client = TestClient[web.Request, web.Application]
SECRET = "a-receivers-secret-of-32-letters"
RECEIVER = "https://hooks.example.com/greenlight"  # a public name: the API looks up no DNS to accept it
GENEROUS = 30.0  # seconds a step may take on a loaded machine (five pytest processes on two cores)


@dataclass
class SilentBroker:
    client: Client
    proxy: TcpProxy
    direct: Bus  # on the broker itself: publishes and reads while the API's connection is silent

    def bound(self, seconds: float) -> None:
        """The API's subscription bind timeout from now on (a generous one until then: no binding times out
        before the test makes the broker silent)."""
        self.client.app[BINDINGS].bound = seconds

    async def settled(self) -> None:
        """Every late broker call the API left has ended, and its bindings were made to match the database."""
        async with asyncio.timeout(GENEROUS):
            await self.client.app[BINDINGS].idle()

    async def routed(self, app: str, *states: ReleaseState) -> list[str]:
        """The states of `app` the notifier's queue now receives: one event each published (and confirmed, so
        routed) on the direct connection, then everything the queue holds taken."""
        for n, state in enumerate(states):
            requested = first_event(make_release(f"{app}-{state}-{n}", app), actor="test")
            await self.direct.publish(requested if state is ReleaseState.REQUESTED
                                      else requested.next(state, actor="test"))
        channel = await self.direct.channel(1)
        try:
            queue = await channel.get_queue(notifier_queue(self.direct.settings))
            got = []
            while (message := await queue.get(no_ack=True, fail=False)) is not None:
                got.append(str(message.routing_key).rsplit(".", 1)[-1])
            return got
        finally:
            await channel.close()


@contextlib.asynccontextmanager
async def silent_broker(settings: ApprovalSettings, bus_settings: BusSettings) -> AsyncIterator[SilentBroker]:
    direct = Bus(bus_settings, connection_name="gltest-direct")
    await direct.connect()  # declares every work queue: the notifier's without a binding
    try:
        async with proxied(bus_settings) as (proxy, via_proxy):
            api = settings.model_copy(update={"bus": via_proxy, "subscription_bind_timeout": GENEROUS})
            async with api_client(api) as client:
                try:
                    yield SilentBroker(client, proxy, direct)
                finally:
                    proxy.thaw()  # the API's calls end before it stops
    finally:
        await direct.close()
