"""The delivery panel's word on an outage ("Not updated since …", "unavailable") takes a line the panel keeps, so the
release list below does not move down when a refresh fails, nor back up when the figures return. Before, the line
was added under the figures and pushed the list down by its height (two lines on a phone)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Route, expect

from tests.dashboard.conftest import Approval, live_and_staged, sign_in
from tests.dashboard.list_place import RECORD_THE_LIST, filled_in, list_tops

REFRESH_MS = 60_000  # delivery.js: REFRESH_MS


async def answer_503(route: Route) -> None:
    await route.fulfill(status=503, content_type="application/json", body='{"error": "service unavailable"}')


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_failed_refresh_and_the_return_leave_the_list_in_place(
        approval: Approval, pipeline: None, page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900})
    await live_and_staged(approval)
    await page.clock.install()
    await page.add_init_script(RECORD_THE_LIST)
    await sign_in(page, approval.url, "approver-token")
    await filled_in(page)
    status = page.get_by_test_id("delivery-status")
    await expect(status).to_be_hidden()

    await page.route("**/metrics/delivery", answer_503)
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_contain_text("Not updated since")
    await expect(status).to_be_visible()
    await page.route("**/metrics/delivery", lambda route: route.abort("connectionrefused"))
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_contain_text("the API could not be reached")
    await page.unroute("**/metrics/delivery")
    await page.clock.fast_forward(REFRESH_MS)
    await expect(status).to_be_hidden()
    tops = await list_tops(page)
    assert len(tops) == 1, f"the list moved with the delivery panel's outage line: its top went {tops}"
