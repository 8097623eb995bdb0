"""Where the release list is, frame by frame: what the tests that keep it under the pointer record and wait for."""

from __future__ import annotations

from playwright.async_api import Page, expect

# Every frame once a row shows: the list's top in page coordinates, kept each time it differs from the last.
RECORD_THE_LIST = """
window.listTops = [];
const record = () => {
  const list = document.getElementById("releases");
  if (list && list.tBodies[0].rows.length && !document.getElementById("content").hidden) {
    const top = Math.round(list.getBoundingClientRect().top + window.scrollY);
    if (window.listTops.at(-1) !== top) window.listTops.push(top);
  }
  requestAnimationFrame(record);
};
requestAnimationFrame(record);
"""
DRAWN = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def filled_in(page: Page) -> None:
    """Every read the page makes at its opening came back and was drawn: the stream's catch-up, the apps' cards, the
    delivery figures."""
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    await page.evaluate("model.caughtUp")
    await expect(page.get_by_test_id("app-demo").get_by_test_id("live-line")).to_be_visible()
    await expect(page.get_by_test_id("delivery-deployment-frequency")).to_be_visible()
    await page.evaluate(DRAWN)


async def list_tops(page: Page) -> list[int]:
    await page.evaluate(DRAWN)
    return list(await page.evaluate("window.listTops"))
