"""At 1280 px and at 390 px (a phone) no view scrolls sideways and the header spans the page, with a
long digest and the approval gate on show; the sign-in page says what a token is and where to get one.
Screenshots of each view are left in SHOTS to be looked at."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import (
    LIVE_SHA,
    SHOTS,
    Approval,
    decide,
    no_horizontal_overflow,
    request_release,
    sign_in,
)
from tests.harness import wait_for_state


@pytest.mark.parametrize("width", [1280, 390])
async def test_no_view_overflows_sideways(approval: Approval, pipeline: None, page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    SHOTS.mkdir(exist_ok=True)
    await page.goto(approval.url + "/")
    signin = page.get_by_test_id("signin")
    await expect(page.locator("#signin-page")).to_contain_text("Your Greenlight operator issues tokens")
    await expect(signin).to_be_visible()
    await no_horizontal_overflow(page)
    await page.screenshot(path=SHOTS / f"signin-{width}.png", full_page=True)

    first = await request_release(approval.url, commit=LIVE_SHA)
    await wait_for_state(approval.store, first, S.AWAITING_APPROVAL)
    await decide(approval.url, first, "approve", "the first release of demo, checked on the preview at length")
    await wait_for_state(approval.store, first, S.LIVE)
    staged = await request_release(approval.url)
    await wait_for_state(approval.store, staged, S.AWAITING_APPROVAL)
    other = await request_release(approval.url, app="a-rather-long-application-name-for-the-layout")
    await wait_for_state(approval.store, other, S.AWAITING_APPROVAL)

    await sign_in(page, approval.url, "admin-token")
    await expect(page.get_by_test_id("release-row")).to_have_count(3)
    await expect(page.get_by_test_id("app-demo").get_by_test_id("warm-line")).to_have_count(0)
    await expect(page.get_by_test_id("app-demo").get_by_test_id("standby-colour")).to_have_text("green")
    await no_horizontal_overflow(page)
    await page.screenshot(path=SHOTS / f"list-{width}.png", full_page=True)

    await page.goto(f"{approval.url}/ui/releases/{staged}")
    await expect(page.get_by_test_id("gate").get_by_test_id("approve")).to_be_visible()
    await expect(page.get_by_test_id("gate").get_by_test_id("digest").first).to_contain_text("sha256:")
    await expect(page.get_by_test_id("gate").get_by_test_id("live").get_by_test_id("commit")).to_have_text(LIVE_SHA)
    await no_horizontal_overflow(page)
    await page.screenshot(path=SHOTS / f"gate-{width}.png", full_page=True)

    await page.get_by_test_id("gate").get_by_test_id("approve").click()
    await expect(page.get_by_test_id("confirm")).to_be_visible()
    await no_horizontal_overflow(page)
    await page.screenshot(path=SHOTS / f"confirm-{width}.png")
