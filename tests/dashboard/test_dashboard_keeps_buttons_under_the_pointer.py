"""The page reads an app's view again every few seconds; a read that changes nothing leaves the page's nodes
alone, so a click whose press and release straddle it still lands (a replaced button eats the click: seen in CI)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, decide, request_release, sign_in
from tests.harness import wait_for_state

RENDERED = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def at_the_gate(approval: Approval, page: Page) -> str:
    """A release's gate page, open and caught up: every read its opening started came back."""
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{release_id}")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    await page.evaluate("model.caughtUp")
    return release_id


async def test_a_click_across_a_read_that_changes_nothing_opens_the_dialog(
        approval: Approval, pipeline: None, page: Page) -> None:
    release_id = await at_the_gate(approval, page)
    approve = page.get_by_test_id("gate").get_by_test_id("approve")
    box = await approve.bounding_box()
    assert box is not None

    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()
    await page.evaluate("refreshApp('demo')")  # what the page does every few seconds, between press and release
    await page.evaluate(RENDERED)
    await page.mouse.up()

    await expect(page.get_by_test_id("confirm")).to_be_visible()
    await expect(page.get_by_test_id("confirm")).to_contain_text(f"Approve release {release_id}?")


async def test_a_read_that_changes_something_still_shows_it(
        approval: Approval, pipeline: None, page: Page) -> None:
    release_id = await at_the_gate(approval, page)
    await page.evaluate("closeStream()")  # only the read below can tell the page
    await decide(approval.url, release_id, "reject", "not today", token="admin-token")
    await wait_for_state(approval.store, release_id, S.REJECTED)

    await page.evaluate(f"loadRelease('{release_id}')")

    await expect(page.get_by_test_id("fact-state")).to_have_text("rejected")
    await expect(page.get_by_test_id("gate")).to_have_count(0)
