"""The release list does not move under the pointer: not while the page fills in (the apps' cards and the delivery
figures are read after the list), nor while a release runs (its app's card gains and loses lines above the list, a
notice comes and goes above it all).

Seen in CI: a click on a release's link met the page where the link had been, and nothing opened, because the card
above the list had just grown. The page records the list's position at every animation frame from the moment its
first row shows; it must hold one position throughout."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, first_live, live_and_staged, request_release, sign_in
from tests.dashboard.list_place import DRAWN, RECORD_THE_LIST, filled_in, list_tops
from tests.harness import wait_for_state


@pytest.mark.parametrize("width", [1280, 390])
async def test_the_list_holds_still_while_the_page_fills_in(
        approval: Approval, pipeline: None, page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900})
    _, staged = await live_and_staged(approval)
    await page.add_init_script(RECORD_THE_LIST)

    await sign_in(page, approval.url, "approver-token")
    await filled_in(page)

    await expect(page.get_by_test_id("app-demo").get_by_test_id("standby-line")).to_contain_text(staged[:12])
    tops = await list_tops(page)
    assert len(tops) == 1, f"the list moved as the page filled in: its top went {tops}"


@pytest.mark.parametrize("width", [1280, 390])
async def test_the_list_holds_still_while_a_release_runs_to_live(
        approval: Approval, pipeline: None, page: Page, width: int) -> None:
    await page.set_viewport_size({"width": width, "height": 900})
    first = await first_live(approval)
    await page.add_init_script(RECORD_THE_LIST)
    await sign_in(page, approval.url, "approver-token")
    await filled_in(page)
    card = page.get_by_test_id("app-demo")
    await expect(card.get_by_test_id("warm-line")).to_have_count(0)  # nothing was live before the first
    await expect(card.get_by_test_id("rollback")).to_have_count(0)  # nothing to roll back to yet

    second = await request_release(approval.url)  # its row goes in at the top, the list's own top stays
    await expect(card.get_by_test_id("flight-line").or_(card.get_by_test_id("standby-line"))).to_contain_text(
        second[:12])
    await wait_for_state(approval.store, second, S.AWAITING_APPROVAL)
    await expect(card.get_by_test_id("standby-line")).to_contain_text(second[:12])
    # Approved from its row: the notice that says so, then goes as the release moves on, floats over the page.
    await page.locator(f'tr[data-release="{second}"]').get_by_test_id("approve").click()
    await page.get_by_test_id("confirm-ok").click()
    await expect(card.get_by_test_id("live-line")).to_contain_text(second[:12])
    await expect(card.get_by_test_id("warm-line")).to_contain_text(first[:12])
    await expect(card.get_by_test_id("rollback")).to_be_visible()  # the first release can serve again

    tops = await list_tops(page)
    assert len(tops) == 1, f"the list moved while a release ran: its top went {tops}"


# Every frame: the top of the row of release `id` in page coordinates, kept each time it differs from the last.
RECORD_A_ROW = """(id) => {
  window.rowTops = [];
  const record = () => {
    const row = document.querySelector(`tr[data-release="${id}"]`);
    if (row) {
      const top = Math.round(row.getBoundingClientRect().top + window.scrollY);
      if (window.rowTops.at(-1) !== top) window.rowTops.push(top);
    }
    requestAnimationFrame(record);
  };
  requestAnimationFrame(record);
}"""


@pytest.mark.parametrize("width", [1280, 390])
async def test_the_rows_below_a_running_release_hold_still(
        approval: Approval, pipeline: None, page: Page, width: int) -> None:
    """A row gains its decision's buttons at the gate and loses them once decided, its decider once decided, and a
    line under its state while a step reports progress: the rows below it stay where they are (a table on a wide
    screen, cards on a phone)."""
    await page.set_viewport_size({"width": width, "height": 900})
    first = await first_live(approval)
    await sign_in(page, approval.url, "approver-token")
    await filled_in(page)
    second = await request_release(approval.url)
    await expect(page.locator(f'tr[data-release="{second}"]')).to_be_visible()  # above the first: it moved once
    await page.evaluate(DRAWN)
    await page.evaluate(RECORD_A_ROW, first)

    row = page.locator(f'tr[data-release="{second}"]')
    await expect(row.get_by_test_id("approve")).to_be_visible()
    await page.evaluate(f"model.progress.set('{second}', {{release_id: '{second}', step: 'approval', "
                        "message: '1 of 2 approvals: dev-approver'}); scheduleRender()")
    await expect(row.get_by_test_id("progress")).to_be_visible()
    await row.get_by_test_id("approve").click()
    await page.get_by_test_id("confirm-ok").click()
    await expect(row.get_by_test_id("state")).to_have_text("live")

    tops = await page.evaluate(f"{DRAWN}.then(() => window.rowTops)")
    assert len(tops) == 1, f"the row below the running release moved: its top went {tops}"
