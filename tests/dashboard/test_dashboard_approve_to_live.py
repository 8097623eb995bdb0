"""An approver signs in, approves a staged release, and sees it go live on the page (real browser)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state


async def test_approve_in_the_browser_and_watch_the_release_go_live(
        approval: Approval, pipeline: None, page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)

    await sign_in(page, approval.url, "approver-token")
    row = page.locator(f'tr[data-release="{release_id}"]')
    await expect(row.get_by_test_id("state")).to_have_text("awaiting_approval")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    card = page.get_by_test_id("app-demo")
    await expect(card).to_contain_text(f"standby: {release_id} (awaiting_approval)")

    await row.get_by_test_id("comment").fill("preview checked")
    await row.get_by_test_id("approve").click()

    # approved -> switching -> live arrive over SSE from the fake switcher, not from the click's answer.
    await expect(row.get_by_test_id("state")).to_have_text("live")
    await expect(card.get_by_test_id("live-colour")).to_have_text("green")
    await expect(card).to_contain_text(f"live: {release_id} (live)")
    await expect(row.get_by_test_id("approve")).to_be_hidden()

    await row.get_by_test_id("open").click()
    detail = page.get_by_test_id("detail")
    await expect(detail.get_by_test_id("history").locator("tbody tr")).to_have_count(10)
    await expect(detail.get_by_test_id("fact-approver")).to_have_text("dev-approver")
    await expect(detail.get_by_test_id("fact-comment")).to_have_text("preview checked")

    live = (await approval.store.get(release_id))
    assert live is not None and (live.state, live.approver, live.comment) == (
        S.LIVE, "dev-approver", "preview checked")
