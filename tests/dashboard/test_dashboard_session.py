"""Signing in: a bad token is refused on the page; a good one lasts the tab's session until sign-out."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.dashboard.conftest import Approval, sign_in


async def test_a_rejected_token_is_reported_and_not_kept(approval: Approval, page: Page) -> None:
    await sign_in(page, approval.url, "not-a-token")
    await expect(page.get_by_test_id("notice")).to_contain_text("That token was not accepted")
    await expect(page.get_by_test_id("releases")).to_be_hidden()
    assert await page.evaluate("sessionStorage.length") == 0


async def test_the_token_survives_a_reload_and_sign_out_forgets_it(approval: Approval, page: Page) -> None:
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    await page.reload()
    await expect(page.get_by_test_id("signin")).to_be_hidden()
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")

    await page.get_by_test_id("signout").click()
    await expect(page.get_by_test_id("signin")).to_be_visible()
    await expect(page.get_by_test_id("stream-status")).to_have_text("offline")
    assert await page.evaluate("sessionStorage.length") == 0
