"""Hostile text in release data is shown as text: no markup runs, no javascript: link is made."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.settings import BusSettings
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state

COMMENT = '<img src=x onerror="window.pwned=1">'
REASON = "<script>window.pwned=2</script> broke"


async def test_markup_in_comments_reasons_and_links_stays_inert(
        approval: Approval, pipeline: None, page: Page, bus_settings: BusSettings) -> None:
    rejected = await request_release(approval.url, app="demo")
    await wait_for_state(approval.store, rejected, S.AWAITING_APPROVAL)
    async with httpx.AsyncClient(base_url=approval.url,
                                 headers={"Authorization": "Bearer approver-token"}) as http:
        answer = await http.post(f"/releases/{rejected}/reject", json={"comment": COMMENT})
    assert answer.status_code == 200, answer.text

    failed = await request_release(approval.url, app="other")
    staged = await wait_for_state(approval.store, failed, S.AWAITING_APPROVAL)
    last = await approval.store.latest(failed)
    assert last is not None
    assert last.release == staged
    bus = Bus(bus_settings, connection_name="gltest-hostile")
    await bus.connect()
    try:
        await bus.publish(last.next(S.FAILED, actor="deployer", preview="javascript:window.pwned=3",
                                    error=ReleaseError(step="deploy", reason=REASON, log_tail="<b>tail</b>")))
    finally:
        await bus.close()
    await wait_for_state(approval.store, failed, S.FAILED)

    await sign_in(page, approval.url, "approver-token")
    await page.locator(f'tr[data-release="{rejected}"]').get_by_test_id("open").click()
    await expect(page.get_by_test_id("fact-reason")).to_have_text(COMMENT)
    await page.go_back()
    await page.locator(f'tr[data-release="{failed}"]').get_by_test_id("open").click()
    detail = page.get_by_test_id("detail")
    await expect(detail).to_contain_text(REASON)
    await expect(detail).to_contain_text("<b>tail</b>")

    assert await page.locator("img, script:not([src]), b").count() == 0
    assert await page.locator('a[href^="javascript"]').count() == 0
    assert await page.evaluate("window.pwned") is None
