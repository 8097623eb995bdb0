"""Hostile text in release data is shown as text: no markup runs, no javascript: link is made."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.settings import BusSettings
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state

COMMENT = '<img src=x onerror="window.pwned=1">'
REASON = "<script>window.pwned=2</script> broke"
PREVIEW = "javascript:window.pwned=3"


async def at_the_gate(approval: Approval, bus: Bus, app: str, preview: str) -> str:
    """A release of `app` staged as the deployer stages it, with the preview it reports. Staged here, not by the
    fake pipeline: the preview is only made a link at the gate, so a hostile one must reach the gate."""
    release_id = await request_release(approval.url, app=app)
    await wait_for_state(approval.store, release_id, S.REQUESTED)
    event = await approval.store.latest(release_id)
    assert event is not None
    for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING):
        event = event.next(state, actor="pipeline")
        await bus.publish(event)
    await bus.publish(event.next(S.AWAITING_APPROVAL, actor="deployer", standby_colour=Colour.GREEN, preview=preview))
    await wait_for_state(approval.store, release_id, S.AWAITING_APPROVAL)
    return release_id


async def test_markup_in_comments_reasons_and_links_stays_inert(
        approval: Approval, page: Page, bus_settings: BusSettings) -> None:
    bus = Bus(bus_settings, connection_name="gltest-hostile")
    await bus.connect()
    try:
        rejected = await at_the_gate(approval, bus, "demo", "http://demo-green.preview.test")
        async with httpx.AsyncClient(base_url=approval.url,
                                     headers={"Authorization": "Bearer approver-token"}) as http:
            answer = await http.post(f"/releases/{rejected}/reject", json={"comment": COMMENT})
        assert answer.status_code == 200, answer.text
        failed = await at_the_gate(approval, bus, "other", PREVIEW)

        # Each release's page by its link, not by a click in the list: with a release in flight the list ticks
        # every second, and a click there once went nowhere in CI.
        await sign_in(page, approval.url, "approver-token", f"/ui/releases/{rejected}")
        await expect(page.get_by_test_id("fact-reason")).to_have_text(COMMENT)
        await page.goto(f"{approval.url}/ui/releases/{failed}")
        gate = page.get_by_test_id("gate")
        await expect(gate).to_contain_text(PREVIEW)  # shown, as text
        assert await page.locator('a[href^="javascript"]').count() == 0

        last = await approval.store.latest(failed)
        assert last is not None
        await bus.publish(last.next(S.FAILED, actor="deployer",
                                    error=ReleaseError(step="deploy", reason=REASON, log_tail="<b>tail</b>")))
    finally:
        await bus.close()
    detail = page.get_by_test_id("detail")
    await expect(detail).to_contain_text(REASON)
    await expect(detail).to_contain_text("<b>tail</b>")

    assert await page.locator("img, script:not([src]), b").count() == 0
    assert await page.evaluate("window.pwned") is None
