"""The delivery panel shows the four keys from GET /metrics/delivery once signed in."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state


async def test_the_panel_counts_a_release_that_went_live(approval: Approval, pipeline: None, page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    async with httpx.AsyncClient(base_url=approval.url,
                                 headers={"Authorization": "Bearer approver-token"}) as http:
        assert (await http.post(f"/releases/{release_id}/approve")).status_code == 200
    await wait_for_state(approval.store, release_id, S.LIVE)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("delivery-deployment-frequency")).to_contain_text("(1)")
    await expect(page.get_by_test_id("delivery-change-failure-rate")).to_contain_text("0 %")
    # The fake builder records the release's commit with its time, as the real one does.
    await expect(page.get_by_test_id("delivery-lead-time-for-changes")).to_contain_text("(median of 1)")
