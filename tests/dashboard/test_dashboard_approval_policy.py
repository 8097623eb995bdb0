"""The approval policy on the release page (real browser): "1 of 2" approvals as they are given, and a
rollback to an earlier release from that release's page, shown with what it restores."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from services.shared.appspec import parse_app_spec
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.dashboard.conftest import (
    Approval,
    decide,
    fake_pipeline,
    live_and_staged,
    request_release,
    sign_in,
)
from tests.harness import wait_for_state


@pytest.fixture
async def two_needed(bus_settings: BusSettings) -> AsyncIterator[None]:
    runner = web.AppRunner(fake_pipeline(bus_settings, spec=parse_app_spec("approval: {required_approvals: 2}\n")))
    await runner.setup()
    try:
        yield
    finally:
        await runner.cleanup()


async def test_the_page_counts_approvals_until_enough_are_given(approval: Approval, two_needed: None,
                                                                page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{release_id}")
    detail = page.get_by_test_id("detail")
    await expect(detail.get_by_test_id("fact-approvals")).to_have_text("0 of 2")
    dialog = page.get_by_test_id("confirm")
    # The page reads its view again once its stream is open, and the approval step's progress reloads the release:
    # a re-render under the click can take it (the old button answers, detached). A person clicks again; so does this.
    for _ in range(3):
        await detail.get_by_test_id("gate").get_by_test_id("approve").click()
        with contextlib.suppress(AssertionError):
            await expect(dialog).to_be_visible(timeout=5000)
            break
    await dialog.get_by_test_id("confirm-ok").click()
    await expect(detail.get_by_test_id("fact-approvals")).to_have_text("1 of 2 (dev-approver)")
    await expect(detail.get_by_test_id("fact-state")).to_have_text("awaiting approval")
    await decide(approval.url, release_id, "approve", token="admin-token")  # the second approver, elsewhere
    await expect(detail.get_by_test_id("fact-state")).to_have_text("live")
    await expect(detail.get_by_test_id("fact-approved-by")).to_have_text("dev-admin")


async def test_roll_back_to_an_earlier_release_from_its_page(approval: Approval, pipeline: None, page: Page) -> None:
    first, second = await live_and_staged(approval)
    await decide(approval.url, second, "approve")
    await wait_for_state(approval.store, first, S.SUPERSEDED)
    # The second's `live` lands just after: the page opened before it re-renders when it comes, under the click.
    await wait_for_state(approval.store, second, S.LIVE)

    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{first}")
    await page.get_by_test_id("rollback-to").click()
    dialog = page.get_by_test_id("confirm")
    await dialog.get_by_test_id("confirm-text").fill("the new prices are wrong")
    await dialog.get_by_test_id("confirm-ok").click()
    await expect(page.get_by_test_id("notice")).to_contain_text(f"restores {first}")
    notice = await page.get_by_test_id("notice").text_content()
    assert notice is not None
    rollback_id = notice.split()[1]
    await wait_for_state(approval.store, rollback_id, S.LIVE)
    await page.goto(f"{approval.url}/ui/releases/{rollback_id}")
    detail = page.get_by_test_id("detail")
    await expect(detail.get_by_test_id("fact-restores")).to_have_text(first)
    await expect(detail.get_by_test_id("fact-state")).to_have_text("live")
    await expect(detail.get_by_test_id("fact-approved-by")).to_have_text("dev-approver")
