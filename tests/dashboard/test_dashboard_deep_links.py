"""Every view has its own URL: selecting a release or an app changes the address, a reload or a shared
link opens the same view, filters live in the query string, and Back returns to the list."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, decide, request_release, sign_in
from tests.harness import wait_for_state


async def test_release_app_and_filter_urls_survive_reload(approval: Approval, pipeline: None, page: Page) -> None:
    rejected = await request_release(approval.url, app="demo")
    await wait_for_state(approval.store, rejected, S.AWAITING_APPROVAL)
    await decide(approval.url, rejected, "reject", "wrong commit")
    await wait_for_state(approval.store, rejected, S.REJECTED)
    staged = await request_release(approval.url, app="shop")
    await wait_for_state(approval.store, staged, S.AWAITING_APPROVAL)

    await sign_in(page, approval.url, "approver-token")
    # Clicked at once: the list holds still while the apps' cards are read (test_release_list_stays_put).
    await page.locator(f'tr[data-release="{rejected}"]').get_by_test_id("open").click()
    await expect(page).to_have_url(f"{approval.url}/ui/releases/{rejected}")
    await expect(page.get_by_test_id("fact-rejected-by")).to_have_text("dev-approver")
    await expect(page.get_by_test_id("fact-reason")).to_have_text("wrong commit")
    await page.reload()
    await expect(page.get_by_test_id("fact-reason")).to_have_text("wrong commit")

    await page.go_back()
    await expect(page).to_have_url(f"{approval.url}/")
    await expect(page.get_by_test_id("release-row")).to_have_count(2)

    await page.get_by_test_id("filter-state").select_option("awaiting_approval")
    await expect(page).to_have_url(f"{approval.url}/?state=awaiting_approval")
    await expect(page.get_by_test_id("release-row")).to_have_count(1)
    await page.reload()
    await expect(page.get_by_test_id("release-row")).to_have_count(1)
    await expect(page.get_by_test_id("filter-state")).to_have_value("awaiting_approval")

    await page.get_by_test_id("app-shop").get_by_role("link", name="shop", exact=True).click()
    await expect(page).to_have_url(f"{approval.url}/ui/apps/shop")
    await page.goto(f"{approval.url}/ui/apps/demo")
    await expect(page.get_by_test_id("apps").locator("article")).to_have_count(1)
    await expect(page.get_by_test_id("release-row")).to_have_count(1)
    await expect(page.locator("#list-title")).to_have_text("Releases of demo")

    await page.get_by_test_id("filter-app").select_option("")
    await page.get_by_test_id("filter-person").fill("nobody-like-this")
    await page.get_by_test_id("filter-person").press("Enter")
    await expect(page).to_have_url(f"{approval.url}/?person=nobody-like-this")
    await expect(page.get_by_test_id("release-row")).to_have_count(0)


async def test_a_shared_link_opens_after_signing_in(approval: Approval, pipeline: None, page: Page) -> None:
    staged = await request_release(approval.url)
    await wait_for_state(approval.store, staged, S.AWAITING_APPROVAL)
    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{staged}")
    await expect(page.get_by_test_id("gate").get_by_test_id("approve")).to_be_visible()
    await expect(page).to_have_url(f"{approval.url}/ui/releases/{staged}")


async def test_older_releases_load_page_by_page(approval: Approval, pipeline: None, page: Page) -> None:
    for app in (f"app{n}" for n in range(55)):  # more than one page of 50
        await request_release(approval.url, app=app)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("release-row")).to_have_count(50)
    await page.get_by_test_id("more").click()
    await expect(page.get_by_test_id("release-row")).to_have_count(55)
    await expect(page.get_by_test_id("more")).to_be_hidden()
