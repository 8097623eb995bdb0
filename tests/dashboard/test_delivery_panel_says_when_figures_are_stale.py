"""The delivery panel says when its figures are not current, and why, instead of keeping old ones silently.

It refreshes every minute. An answer that failed (the service restarting, a proxy's 503, the API unreachable)
used to leave the last figures on screen as if they were today's, or an empty panel with nothing said.
"""

from __future__ import annotations

from playwright.async_api import Page, Route, expect

from tests.dashboard.conftest import Approval, sign_in

REFRESH_MS = 60_000  # delivery.js: REFRESH_MS


async def answer_503(route: Route) -> None:
    await route.fulfill(status=503, content_type="application/json", body='{"error": "service unavailable"}')


async def test_figures_kept_through_a_failed_refresh_say_since_when(approval: Approval, page: Page) -> None:
    await page.clock.install()
    await sign_in(page, approval.url, "approver-token")
    frequency = page.get_by_test_id("delivery-deployment-frequency")
    status = page.get_by_test_id("delivery-status")
    await expect(frequency).to_contain_text("(0)")
    await expect(status).to_be_hidden()

    await page.route("**/metrics/delivery", answer_503)
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_contain_text("Not updated since")
    await expect(status).to_contain_text("the API answered 503")
    await expect(frequency).to_contain_text("(0)")  # the last figures stay, marked as old
    await expect(page.locator("#delivery-keys")).to_have_class("facts stale")

    await page.route("**/metrics/delivery", lambda route: route.abort("connectionrefused"))
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_contain_text("the API could not be reached")

    await page.unroute("**/metrics/delivery")
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_be_hidden()
    await expect(page.locator("#delivery-keys")).to_have_class("facts")


async def test_a_panel_never_filled_says_the_figures_are_unavailable(approval: Approval, page: Page) -> None:
    await page.route("**/metrics/delivery", answer_503)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("delivery-status")).to_have_text(
        "Delivery figures unavailable: the API answered 503.")
    await expect(page.get_by_test_id("delivery-deployment-frequency")).to_have_count(0)
