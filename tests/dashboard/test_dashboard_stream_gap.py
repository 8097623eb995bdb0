"""A release requested after the page loaded its list but before its event stream opened still shows up.

A stream opened without a resume point starts at the server's newest event, so the page must read its view
again once the stream is open. The ticket request that precedes the stream is held here until the release
is in the read model: the widest the gap can be."""

from __future__ import annotations

from playwright.async_api import Page, Route, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state


async def test_a_release_requested_while_the_stream_opens_reaches_the_list_and_the_apps(
        approval: Approval, page: Page) -> None:
    requested: list[str] = []

    async def request_first(route: Route) -> None:
        if not requested:
            requested.append(await request_release(approval.url))
            await wait_for_state(approval.store, requested[0], S.REQUESTED)
        await route.continue_()

    await page.route("**/events/tickets", request_first)
    await sign_in(page, approval.url, "approver-token")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    row = page.locator(f'tr[data-release="{requested[0]}"]')
    await expect(row.get_by_test_id("state")).to_have_text("requested")
    await expect(page.get_by_test_id("app-demo")).to_be_visible()
