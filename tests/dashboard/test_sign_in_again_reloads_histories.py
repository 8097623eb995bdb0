"""Signing out and in again without a reload starts from nothing: whatever the first session fetched or asked
for is fetched again. The page keeps the sets of releases it already asked the history of (for the list's
"Took" of a live, superseded or rolled-back release, and for the gate's "Live now" commit facts); sign-out once
cleared the histories but kept those sets, so the second session never asked again and showed blanks."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import LIVE_SHA, Approval, decide, live_and_staged, request_release, sign_in
from tests.harness import wait_for_state


async def sign_out_and_in(page: Page, token: str) -> None:
    await page.get_by_test_id("signout").click()
    await expect(page.get_by_test_id("signin")).to_be_visible()
    await page.get_by_test_id("token").fill(token)
    await page.get_by_test_id("signin-button").click()
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")


async def test_took_of_a_live_release_is_shown_again_after_signing_in_again(
        approval: Approval, pipeline: None, page: Page) -> None:
    rid = await request_release(approval.url)
    await wait_for_state(approval.store, rid, S.AWAITING_APPROVAL)
    await decide(approval.url, rid, "approve", "ok")
    await wait_for_state(approval.store, rid, S.LIVE)

    await sign_in(page, approval.url, "approver-token")
    took = page.locator(f'tr[data-release="{rid}"] td[data-label="Took"]')
    await expect(took).to_have_text(re.compile(r"\d"))  # a live release's figure comes from its history

    await sign_out_and_in(page, "approver-token")
    await expect(page.locator(f'tr[data-release="{rid}"] [data-testid="state"]')).to_have_text("live")
    await expect(took).to_have_text(re.compile(r"\d"), timeout=8000)


async def test_the_gate_shows_the_live_commit_again_after_signing_in_again(
        approval: Approval, pipeline: None, page: Page) -> None:
    _, candidate = await live_and_staged(approval)

    await sign_in(page, approval.url, "approver-token", path=f"/ui/releases/{candidate}")
    live = page.get_by_test_id("gate").get_by_test_id("live")
    await expect(live.get_by_test_id("message")).to_have_text("First release")  # from the live release's history

    await sign_out_and_in(page, "approver-token")
    await expect(live.get_by_test_id("commit")).to_have_text(LIVE_SHA)
    await expect(live.get_by_test_id("message")).to_have_text("First release", timeout=8000)
