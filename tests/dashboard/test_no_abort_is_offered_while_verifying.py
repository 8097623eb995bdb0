"""A release being verified after its switch (post checks: `verifying`) is offered no "Abort…": it serves live
traffic, so the API refuses to abort it (409, "The release is live and being verified; it is rolled back if a
check fails.", services/approval/abort.py). The dashboard offers only what the person may do.

Before, the release page drew "Abort…" for every state in IN_FLIGHT, `verifying` included (core.js: STATES.slice(0,
11)); an approver who pressed it, typed a reason and confirmed got only the API's refusal.
"""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.dashboard.conftest import TO_LIVE, Approval, drive, request_release, sign_in
from tests.harness import wait_for_state


async def test_a_release_being_verified_offers_no_abort(approval: Approval, bus_settings: BusSettings,
                                                        page: Page) -> None:
    rid = await request_release(approval.url)
    event = await approval.store.latest(rid)
    assert event is not None
    await drive(bus_settings, event, (*TO_LIVE[:-1], S.VERIFYING), Colour.BLUE)
    await wait_for_state(approval.store, rid, S.VERIFYING)

    # What the API says of an abort now: refused, whoever asks.
    async with httpx.AsyncClient(base_url=approval.url, headers={"Authorization": "Bearer approver-token"}) as http:
        refused = await http.post(f"/releases/{rid}/abort", json={"reason": "stop"})
    assert refused.status_code == 409, refused.text

    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{rid}")
    # The facts and the action row are drawn in one render: once the state shows, the buttons are there or not.
    await expect(page.get_by_test_id("fact-state")).to_have_text("verifying")
    await expect(page.get_by_test_id("abort")).to_have_count(0)
