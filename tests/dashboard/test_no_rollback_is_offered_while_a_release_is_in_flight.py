"""While a release of the app is in flight (here: a third one awaiting approval), the app card and the live
release's page offered "Roll back…" and the earlier release's page "Roll back to this release…": the API refuses both
(409, one release in flight per app, services/approval/desk_records.py `check_free`), so an approver who pressed
one, typed a reason and confirmed got only the refusal. They come back once the release in flight has ended."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, decide, live_and_staged, request_release, sign_in
from tests.harness import wait_for_state


async def test_rollbacks_wait_for_the_release_in_flight(approval: Approval, pipeline: None, page: Page) -> None:
    first, second = await live_and_staged(approval)
    await decide(approval.url, second, "approve")
    await wait_for_state(approval.store, second, S.LIVE)
    third = await request_release(approval.url)
    await wait_for_state(approval.store, third, S.AWAITING_APPROVAL)
    async with httpx.AsyncClient(base_url=approval.url, headers={"Authorization": "Bearer approver-token"}) as http:
        refused = await http.post("/apps/demo/rollback", json={"reason": "stop"})
    assert refused.status_code == 409, refused.text  # what a press would have met

    await sign_in(page, approval.url, "approver-token")
    card = page.get_by_test_id("app-demo")
    await expect(card.get_by_test_id("standby-line")).to_contain_text(third[:12])  # the card shows the third
    await expect(card.get_by_test_id("rollback")).to_have_count(0)
    detail = page.get_by_test_id("detail")
    await page.goto(f"{approval.url}/ui/releases/{first}")
    await expect(detail.get_by_test_id("fact-state")).to_have_text("superseded")
    await expect(detail.get_by_test_id("rollback-to")).to_have_count(0)
    await page.goto(f"{approval.url}/ui/releases/{second}")
    await expect(detail.get_by_test_id("fact-state")).to_have_text("live")
    await expect(detail.get_by_test_id("rollback")).to_have_count(0)

    await decide(approval.url, third, "reject", "not now")
    await expect(detail.get_by_test_id("rollback")).to_be_visible()  # nothing in flight: offered again
    await page.goto(f"{approval.url}/ui/releases/{first}")
    await expect(detail.get_by_test_id("rollback-to")).to_be_visible()
