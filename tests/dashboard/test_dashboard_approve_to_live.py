"""An approver opens the gate page of a staged release, sees candidate against live with the commits
between them, approves through the confirmation dialog, and watches it go live (real browser)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import LIVE_SHA, Approval, decide, request_release, sign_in
from tests.harness import wait_for_state


async def test_approve_at_the_gate_and_watch_the_release_go_live(
        approval: Approval, pipeline: None, page: Page) -> None:
    first = await request_release(approval.url, commit=LIVE_SHA)
    await wait_for_state(approval.store, first, S.AWAITING_APPROVAL)
    await decide(approval.url, first, "approve", "first one")
    await wait_for_state(approval.store, first, S.LIVE)
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)

    await sign_in(page, approval.url, "approver-token")
    row = page.locator(f'tr[data-release="{release_id}"]')
    await expect(row.get_by_test_id("state")).to_have_text("awaiting approval")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    # Clicked at once: the list holds still while the app's card is read (test_release_list_stays_put).
    await row.get_by_test_id("open").click()
    await expect(page).to_have_url(f"{approval.url}/ui/releases/{release_id}")

    gate = page.get_by_test_id("gate")
    await expect(gate.get_by_test_id("preview-link")).to_have_attribute("href", "http://demo-green.preview.test/")
    await expect(gate.get_by_test_id("candidate").get_by_test_id("message")).to_have_text(
        "Show prices in the local currency")
    await expect(gate.get_by_test_id("live").get_by_test_id("commit")).to_have_text(LIVE_SHA)
    await expect(gate.get_by_test_id("commits").locator("li")).to_have_count(2)  # the live commit excluded
    await expect(gate.get_by_test_id("commits-note")).to_have_text("2 commit(s) since the live fedcba987654")
    await expect(gate.get_by_test_id("checks")).to_have_text("hadolint: no findings.")

    await gate.get_by_test_id("approve").click()
    dialog = page.get_by_test_id("confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("demo switches to green")
    await dialog.get_by_test_id("confirm-cancel").click()  # changing one's mind publishes nothing
    await expect(dialog).to_be_hidden()
    assert (await approval.store.get(release_id)).state == S.AWAITING_APPROVAL  # type: ignore[union-attr]

    await gate.get_by_test_id("approve").click()
    await dialog.get_by_test_id("confirm-text").fill("preview checked")
    await dialog.get_by_test_id("confirm-ok").click()

    # approved -> switching -> live arrive over SSE from the fake switcher, not from the click's answer.
    detail = page.get_by_test_id("detail")
    await expect(detail.get_by_test_id("fact-state")).to_have_text("live")
    await expect(detail.get_by_test_id("fact-approved-by")).to_have_text("dev-approver")
    await expect(detail.get_by_test_id("fact-comment")).to_have_text("preview checked")
    await expect(detail.get_by_test_id("fact-serving-on")).to_have_text("green")
    await expect(detail.get_by_test_id("gate")).to_have_count(0)
    await expect(detail.get_by_test_id("history").locator("tbody tr")).to_have_count(10)

    live = (await approval.store.get(release_id))
    assert live is not None and (live.state, live.approver, live.comment) == (
        S.LIVE, "dev-approver", "preview checked")
