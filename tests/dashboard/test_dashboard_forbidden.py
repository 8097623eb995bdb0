"""A signed-in requester who presses Approve sees the API's 403 on the page; nothing changes."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state


async def test_a_non_approver_is_shown_the_refusal(approval: Approval, pipeline: None, page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)

    await sign_in(page, approval.url, "requester-token")
    row = page.locator(f'tr[data-release="{release_id}"]')
    await row.get_by_test_id("approve").click()

    notice = page.get_by_test_id("notice")
    await expect(notice).to_be_visible()
    await expect(notice).to_contain_text("(HTTP 403)")
    await expect(row.get_by_test_id("state")).to_have_text("awaiting_approval")
    assert (await approval.store.get(release_id)).state == S.AWAITING_APPROVAL  # type: ignore[union-attr]
