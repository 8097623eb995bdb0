"""The release page shows each analysis measurement under its step, and the verdict a person decides on."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.settings import BusSettings
from tests.dashboard.conftest import Approval, no_horizontal_overflow, request_release, sign_in
from tests.harness import wait_for_state

MEASURED = {"check": "errors", "provider": "prometheus", "value": 0.07, "verdict": "inconclusive",
            "why": "value 0.07 meets neither <= 0.05 nor >= 0.1", "at": "2026-12-01T12:00:00+00:00"}
REASON = "check errors: 1 inconclusive measurement(s), more than its inconclusive_limit of 0"


async def test_an_inconclusive_analysis_shows_why_at_the_gate(approval: Approval, bus_settings: BusSettings,
                                                              page: Page) -> None:
    rid = await request_release(approval.url)
    event = await approval.store.latest(rid)
    assert event is not None
    bus = Bus(bus_settings, "gltest-analysis")
    await bus.connect()
    try:
        for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
            event = event.next(state, actor="pipeline")
            await bus.publish(event)
        event = event.next(S.ANALYSING, actor="deployer", standby_colour=Colour.GREEN, preview="http://p/")
        await bus.publish(event)
        event = event.next(S.ANALYSING, actor="analysis", details={"measurement": MEASURED})
        await bus.publish(event)
        await bus.publish(event.next(S.AWAITING_APPROVAL, actor="analysis", details={"analysis": {
            "verdict": "inconclusive", "reason": REASON, "measurement": MEASURED}}))
    finally:
        await bus.close()
    await wait_for_state(approval.store, rid, S.AWAITING_APPROVAL)

    await sign_in(page, approval.url, "approver-token", f"/ui/releases/{rid}")
    for width in (1280, 390):
        await page.set_viewport_size({"width": width, "height": 900})
        await expect(page.get_by_test_id("measurement")).to_have_text(
            "errors (prometheus) = 0.07 inconclusive: value 0.07 meets neither <= 0.05 nor >= 0.1")
        await expect(page.get_by_test_id("fact-analysis")).to_have_text(f"inconclusive: {REASON}")
        await expect(page.get_by_test_id("gate").get_by_test_id("approve")).to_be_visible()
        await no_horizontal_overflow(page)
