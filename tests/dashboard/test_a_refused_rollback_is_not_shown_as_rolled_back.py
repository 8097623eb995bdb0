"""A live release whose rollback the switcher refused (the previous colour no longer runs the previous release) stays
live; its page showed "rolled back by dev-approver", as if the rollback had happened. It now says who asked for the
rollback and why it was refused."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, expect

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.dashboard.conftest import TO_LIVE, Approval, drive, request_release, sign_in

REFUSED = "blue no longer runs the previous release"


async def test_a_refused_rollback_says_who_asked_and_why_it_was_refused(approval: Approval, bus_settings: BusSettings,
                                                                       page: Page) -> None:
    rid = await request_release(approval.url)
    event = await approval.store.latest(rid)
    assert event is not None
    await drive(bus_settings, event, TO_LIVE, Colour.GREEN,
                (S.ROLLING_BACK, "dev-approver", {"reason": "5xx spike"}),
                (S.LIVE, "switcher", {"rollback_refused": REFUSED}))
    follow = approval.store.follow(-1, lambda e: e.release_id == rid and "rollback_refused" in e.details)
    try:  # the refusal's `live` folded: the page reads it
        await asyncio.wait_for(anext(follow), 15)
    finally:
        await follow.aclose()

    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{rid}")
    await expect(page.get_by_test_id("fact-rollback-refused")).to_have_text(REFUSED)
    await expect(page.get_by_test_id("fact-rollback-asked-by")).to_have_text("dev-approver")
    await expect(page.get_by_test_id("fact-rollback-reason")).to_have_text("5xx spike")
    await expect(page.get_by_test_id("fact-rolled-back-by")).to_have_count(0)
