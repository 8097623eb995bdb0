"""In real Chromium at 390 px (a phone) and 1280 px: the banner reads "… · blue  version <sha>" with the
whole SHA visible, nothing scrolls sideways, and a bad search shows the page with its form error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import MakeClient
from playwright.async_api import async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHA = "0123456789abcdef0123456789abcdef01234567"
SHOTS = Path("/tmp/greenlight-events-app-shots")


@pytest.fixture
def shots() -> Path:
    return SHOTS


@pytest.mark.parametrize("width", [390, 1280])
async def test_banner_and_page_fit_the_screen(make_client: MakeClient, shots: Path, width: int) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    client = await make_client(ticketmaster_api_key=None, app_version=SHA, app_color="blue")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": width, "height": 844})
            await page.goto(str(client.make_url("/")))
            banner = page.locator("header.banner")
            await expect(banner).to_have_attribute("data-colour", "blue")
            text = " ".join((await banner.inner_text()).split())
            assert text == f"Greenlight events · blue version {SHA}", text
            box = await banner.locator("code").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width  # the SHA is not clipped
            assert await page.evaluate("document.documentElement.scrollWidth") <= width
            await page.screenshot(path=shots / f"index-{width}.png", full_page=True)

            await page.goto(str(client.make_url("/?countryCode=USA&sort=bogus")))
            await expect(page.get_by_test_id("form-errors")).to_be_visible()
            await expect(page.locator("form")).to_be_visible()
            assert await page.evaluate("document.documentElement.scrollWidth") <= width
            await page.screenshot(path=shots / f"bad-query-{width}.png", full_page=True)
        finally:
            await browser.close()
