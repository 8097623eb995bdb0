"""A render replaces only what changed: a click whose press and release straddle a render still lands, whether the
render changed nothing (the app's view is read again every few seconds) or changed another row (a replaced node
eats the click: seen in CI)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from playwright.async_api import Page, expect

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
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
    await page.evaluate(RENDERED)  # caught up means read, not yet drawn: the render waits for the next frame
    await expect(page.get_by_test_id("gate").get_by_test_id("approve")).to_be_visible()
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


async def test_a_click_on_one_row_lands_while_another_row_changes(
        approval: Approval, bus_settings: BusSettings, page: Page) -> None:
    other = await request_release(approval.url, app="shop")  # older, so the row below
    mine = await request_release(approval.url, app="demo")
    for release_id in (other, mine):
        await wait_for_state(approval.store, release_id, S.REQUESTED)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    await page.evaluate("model.caughtUp")
    await page.evaluate(RENDERED)
    link = page.locator(f'tr[data-release="{mine}"]').get_by_test_id("open")
    await expect(link).to_be_visible()
    box = await link.bounding_box()
    assert box is not None

    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await page.mouse.down()
    async with connected(bus_settings) as bus:  # the other release moves on under the pointer, over SSE
        requested = await approval.store.latest(other)
        assert requested is not None
        await bus.publish(requested.next(S.BUILDING, actor="builder"))
    await expect(page.locator(f'tr[data-release="{other}"]').get_by_test_id("state")).to_have_text("building")
    await expect(page.get_by_test_id("app-shop").get_by_test_id("flight-line")).to_contain_text("building")
    assert await link.bounding_box() == box  # nothing moved: only a replaced node could lose the click
    await page.mouse.up()

    await expect(page).to_have_url(f"{approval.url}/ui/releases/{mine}")


@contextlib.asynccontextmanager
async def connected(bus_settings: BusSettings) -> AsyncIterator[Bus]:
    bus = Bus(bus_settings, "gltest-dashboard-pointer")
    await bus.connect()
    try:
        yield bus
    finally:
        await bus.close()
