"""An Approve button stays disabled while its approval is on its way, whatever renders meanwhile.

`act` disables the pressed button until the API answers, so a decision is sent once. But the page renders again
on every event and every few seconds (the replicas' refresh), and a render compares the disabled button with a
new, enabled one: they differ, so the enabled one replaced it. A second press then sent a second approval of the
same release, answered with an error notice although the first one was taken.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, Route, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state

RENDERED = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def test_a_render_during_the_approval_keeps_the_button_disabled(
        approval: Approval, pipeline: None, page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    sent, answer = asyncio.Event(), asyncio.Event()
    posts: list[str] = []

    async def hold(route: Route) -> None:
        posts.append(route.request.url)
        sent.set()
        await answer.wait()
        await route.continue_()

    await page.route(f"**/releases/{release_id}/approve", hold)
    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{release_id}")
    approve = page.get_by_test_id("gate").get_by_test_id("approve")
    await approve.click()
    await page.get_by_test_id("confirm-ok").click()
    try:
        await asyncio.wait_for(sent.wait(), 20)
        await page.evaluate("refreshApp('demo')")  # what the page does every few seconds
        await page.evaluate(RENDERED)

        await expect(approve).to_be_disabled()
    finally:
        answer.set()
    await expect(page.get_by_test_id("gate")).to_have_count(0)
    assert len(posts) == 1
