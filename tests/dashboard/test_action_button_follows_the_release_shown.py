"""A release page's action buttons act on the release shown, not on the one shown before it.

A render keeps a node that looks the same (`replaceChanged` compares nodes with isEqualNode, which cannot see
event listeners). The release page's row of buttons ("Roll back to this release…", "Abort…") names no release, so
opening release B after release A kept A's buttons, their listeners bound to A: on B's page, "Roll back to this
release…" asked to roll back to A and, once confirmed, restored A; "Abort…" on an in-flight B aborted A.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, decide, request_release, sign_in
from tests.harness import wait_for_state


async def rejected_release(approval: Approval) -> str:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    await decide(approval.url, release_id, "reject", "not this one")
    await wait_for_state(approval.store, release_id, S.REJECTED)
    return release_id


async def test_roll_back_to_on_a_second_release_names_that_release(
        approval: Approval, pipeline: None, page: Page) -> None:
    first = await rejected_release(approval)
    second = await rejected_release(approval)

    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{first}")
    await expect(page.get_by_test_id("rollback-to")).to_be_visible()
    await page.get_by_role("link", name="← All releases").click()
    await page.locator(f'tr[data-release="{second}"]').get_by_test_id("open").click()
    await expect(page.locator("#release-title")).to_have_text(f"Release {second}")

    await page.get_by_test_id("rollback-to").click()

    await expect(page.get_by_test_id("confirm")).to_contain_text(f"back to release {second}?")
    await page.get_by_test_id("confirm-cancel").click()
