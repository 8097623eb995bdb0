"""The event stream keeps trying to reopen while the service is away, and is live again once it is back.

A stream the server ends (a restart: its streams are closed, new ones answered 503) is reopened after a pause,
first asking `GET /me` so a refused token signs out instead of looping. When that one question failed too (the
service still restarting, or the proxy in front answering 503 for it), the page showed the error and never tried
again: it said "disconnected" and showed no event until reloaded, though the service was back seconds later.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, Route, expect

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.approval.streams import HUB
from services.shared.settings import BusSettings
from tests.dashboard.conftest import served, sign_in

REOPEN_WITHIN_MS = 30_000  # two pauses of 5 s and a reconnect, with room
REOPEN_WITHIN_S = REOPEN_WITHIN_MS / 1000
REOPEN_MS = 5_000  # stream.js: the pause before each reopen


async def test_a_failed_reopen_is_tried_again(bus_settings: BusSettings, page: Page) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings))
    async with served(app) as approval:
        # The page's clock still flows; each pause is moved past at once below, so the test waits for the reopens
        # themselves, not 5 s each (REOPEN_WITHIN_MS still bounds every wait).
        await page.clock.install()
        await sign_in(page, approval.url, "approver-token")
        await expect(page.get_by_test_id("stream-status")).to_have_text("live")
        asked = asyncio.Event()

        async def service_away(route: Route) -> None:  # a proxy's answer while the service restarts
            asked.set()
            await route.fulfill(status=503, content_type="application/json",
                                body='{"error": "no server is available to handle this request"}')

        await page.route("**/me", service_away)
        await app[HUB].close_all(app)  # the restart: streams end, new ones are refused
        await expect(page.get_by_test_id("stream-status")).to_have_text("disconnected")
        await page.clock.run_for(REOPEN_MS)
        await asyncio.wait_for(asked.wait(), REOPEN_WITHIN_S)
        await expect(page.get_by_test_id("stream-status")).to_have_text("disconnected")
        # The 503 read: the stream given up (stream.js closeStream), its next try due REOPEN_MS from now.
        await page.wait_for_function("() => model.source === null", timeout=REOPEN_WITHIN_MS)

        await page.unroute("**/me")  # the service is back
        app[HUB].closing = False
        await page.clock.run_for(REOPEN_MS)
        await expect(page.get_by_test_id("stream-status")).to_have_text("live", timeout=REOPEN_WITHIN_MS)
