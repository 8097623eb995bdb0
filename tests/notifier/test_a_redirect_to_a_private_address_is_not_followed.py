"""Deliveries follow no redirect, so a subscriber cannot bounce one past the address guard (which checks a literal
address before the request, not on each hop): a receiver allowed at `127.0.0.1:<port>` that answers 307 towards
another loopback port, not allowed, has that answer recorded as a failure, and the target gets nothing."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from services.notifier.records import Status
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import RETRY_DELAYS, SECRET, records_of, rig, walk
from tests.notifier.receiver import Receiver


@dataclass
class Bouncer(Receiver):
    to: str = ""

    def _answer(self, request: web.Request, body: bytes) -> web.Response:
        super()._answer(request, body)  # counted as an attempt, its signature checked
        raise web.HTTPTemporaryRedirect(self.to)


async def test_a_subscriber_redirecting_to_a_private_address_is_not_followed(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver) -> None:
    [requested] = walk("r11", "demo")
    async with serving(receiver.app(), port=0) as target_url:
        bouncer = Bouncer(SECRET, to=f"{target_url}/hook")
        # The rig's receiver is the bouncer: its 127.0.0.1:<port> is allowed, the target's port is not.
        async with rig(bus_settings, postgres_url, bouncer, retry_delays=RETRY_DELAYS[:1]) as r:
            await r.publish(requested)
            await bouncer.wait_attempts(requested.message_id, 2)  # the first attempt and its one retry
    [record] = await records_of(postgres_url, "r11")
    assert (record.status, record.attempts, record.last_error) == (Status.FAILED, 2, "HTTP 307")
    assert receiver.bodies == []
