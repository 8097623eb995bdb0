"""Buttons follow GET /me: a requester sees no Approve or Roll back, nobody is offered a decision on their
own release, an approver sees both; what the API refuses anyway (a race) is shown, and nothing changes."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import LIVE_SHA, Approval, decide, request_release, sign_in
from tests.harness import wait_for_state


async def two_live_releases(approval: Approval, app: str) -> str:
    """`app` with a live release that has a previous one to roll back to; returns the live one."""
    first = await request_release(approval.url, app=app, commit=LIVE_SHA)
    await wait_for_state(approval.store, first, S.AWAITING_APPROVAL)
    await decide(approval.url, first, "approve")
    await wait_for_state(approval.store, first, S.LIVE)
    second = await request_release(approval.url, app=app)
    await wait_for_state(approval.store, second, S.AWAITING_APPROVAL)
    await decide(approval.url, second, "approve")
    await wait_for_state(approval.store, second, S.LIVE)
    return second


@pytest.fixture
async def staged(approval: Approval, pipeline: None) -> dict[str, str]:
    await two_live_releases(approval, "shop")
    theirs = await request_release(approval.url, app="demo", token="requester-token")
    mine = await request_release(approval.url, app="other", token="approver-token")
    for release_id in (theirs, mine):
        await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    return {"theirs": theirs, "mine": mine}


async def test_a_requester_is_offered_no_decision_and_no_rollback(
        approval: Approval, staged: dict[str, str], page: Page) -> None:
    await sign_in(page, approval.url, "requester-token")
    await expect(page.get_by_test_id("whoami")).to_have_text("dev-requester · requester")
    await expect(page.get_by_test_id("release-row")).to_have_count(4)
    await expect(page.get_by_test_id("app-shop").get_by_test_id("live-colour")).to_have_text("green")
    assert await page.get_by_test_id("approve").count() == 0
    assert await page.get_by_test_id("rollback").count() == 0
    await page.locator(f'tr[data-release="{staged["theirs"]}"]').get_by_test_id("open").click()
    await expect(page.get_by_test_id("no-decision")).to_have_text(
        "dev-requester may not approve or reject: that needs the approver role.")


async def test_an_approver_decides_on_others_releases_only(
        approval: Approval, staged: dict[str, str], page: Page) -> None:
    await sign_in(page, approval.url, "approver-token")
    await expect(page.locator(f'tr[data-release="{staged["theirs"]}"]').get_by_test_id("approve")).to_be_visible()
    assert await page.locator(f'tr[data-release="{staged["mine"]}"]').get_by_test_id("approve").count() == 0
    await expect(page.get_by_test_id("app-shop").get_by_test_id("rollback")).to_be_visible()
    assert await page.get_by_test_id("app-demo").get_by_test_id("rollback").count() == 0  # nothing live

    await page.goto(f"{approval.url}/ui/releases/{staged['mine']}")
    await expect(page.get_by_test_id("no-decision")).to_have_text(
        "dev-approver requested this release, so someone else must approve or reject it.")


async def test_a_decision_the_api_refuses_is_shown_and_changes_nothing(
        approval: Approval, staged: dict[str, str], page: Page) -> None:
    await sign_in(page, approval.url, "admin-token", f"/ui/releases/{staged['theirs']}")
    gate = page.get_by_test_id("gate")
    await expect(gate.get_by_test_id("approve")).to_be_visible()
    # Closed once open: a close while the page still fetches its stream ticket would be undone by the opening.
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    # And once the view was read again after the opening: a read landing after the decision below would tell the
    # page of it (the race that failed this test once).
    await page.evaluate("model.caughtUp")
    await page.evaluate("closeStream()")  # the page will not hear of the next decision in time
    await decide(approval.url, staged["theirs"], "reject", "not today")  # someone else, a moment earlier
    await wait_for_state(approval.store, staged["theirs"], S.REJECTED)
    await page.get_by_test_id("gate").get_by_test_id("approve").click()
    await page.get_by_test_id("confirm-ok").click()
    await expect(page.get_by_test_id("notice")).to_contain_text("already rejected by")  # who decided, not a stale "ok"
    assert (await approval.store.get(staged["theirs"])).state == S.REJECTED  # type: ignore[union-attr]
