"""The delivery panel says when its figures are not current, and why, instead of keeping old ones silently.

It refreshes every minute. An answer that failed (the service restarting, a proxy's 503, the API unreachable)
used to leave the last figures on screen as if they were today's, or an empty panel with nothing said. What it says
takes a line the panel keeps, so the release list below does not move down with it nor back up when the figures
return (before, the line was added under the figures: the list's top took three places).
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from tests.dashboard.conftest import Approval, live_and_staged, sign_in
from tests.dashboard.list_place import RECORD_THE_LIST, filled_in, list_tops

REFRESH_MS = 60_000  # delivery.js: REFRESH_MS


async def answer_503(route: Route) -> None:
    await route.fulfill(status=503, content_type="application/json", body='{"error": "service unavailable"}')


@pytest.mark.parametrize("width", [1280, 390])
async def test_figures_kept_through_a_failed_refresh_say_since_when(
        approval: Approval, pipeline: None, page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900})
    await live_and_staged(approval)
    await page.clock.install()
    await page.add_init_script(RECORD_THE_LIST)
    await sign_in(page, approval.url, "approver-token")
    await filled_in(page)
    frequency = page.get_by_test_id("delivery-deployment-frequency")
    status = page.get_by_test_id("delivery-status")
    await expect(frequency).to_contain_text("(1)")
    await expect(status).to_be_hidden()

    await page.route("**/metrics/delivery", answer_503)
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_contain_text("Not updated since")
    await expect(status).to_contain_text("the API answered 503")
    await expect(frequency).to_contain_text("(1)")  # the last figures stay, marked as old
    await expect(page.locator("#delivery-keys")).to_have_class("facts stale")

    await page.route("**/metrics/delivery", lambda route: route.abort("connectionrefused"))
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_contain_text("the API could not be reached")

    await page.unroute("**/metrics/delivery")
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_be_hidden()
    await expect(page.locator("#delivery-keys")).to_have_class("facts")
    tops = await list_tops(page)
    assert len(tops) == 1, f"the list moved with the delivery panel's outage line: its top went {tops}"


async def test_a_panel_never_filled_says_the_figures_are_unavailable(approval: Approval, page: Page) -> None:
    await page.route("**/metrics/delivery", answer_503)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("delivery-status")).to_have_text(
        "Delivery figures unavailable: the API answered 503.")
    await expect(page.get_by_test_id("delivery-deployment-frequency")).to_have_count(0)
