"""An app's card shows the newest GET /apps/{app} answer the page asked for, whatever order the answers arrive in.
Two reads of one app overlap (an event's refresh starts while the last one's answer is still on its way), and
an answer applied just because it arrived last once put a rolled-back release back on the card as the serving
one, until the app's next event. Here the answer read before a rollback is held until the one read after it is
shown, then let through: the card must keep the newer view."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, Route, expect

from services.shared.protocol import ReleaseState as S
from tests.dashboard.conftest import Approval, decide, live_and_staged, rollback, sign_in
from tests.harness import wait_for_state

# Marks the held answer, so the page can tell when it has read it (Response.json is where the dashboard's api()
# reads every answer).
NOTE_HELD_READ = """
window.heldRead = null;
const json = Response.prototype.json;
Response.prototype.json = function () {
  const read = json.call(this);
  if (this.headers.get("x-test-held")) window.heldRead = read;
  return read;
};
"""
# The held answer read, its continuation run (microtasks), and the render it asked for done (two frames).
SETTLED = """async () => {
  await window.heldRead.catch(() => null);
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}"""


async def test_an_older_app_answer_arriving_late_does_not_replace_a_newer_one(
        approval: Approval, pipeline: None, page: Page) -> None:
    first, second = await live_and_staged(approval)

    await page.add_init_script(NOTE_HELD_READ)
    await sign_in(page, approval.url, "approver-token")
    card = page.get_by_test_id("app-demo")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    await expect(card.get_by_test_id("standby-line")).to_contain_text(second[:12])

    read = asyncio.Event()
    let_through = asyncio.Event()
    held: list[str] = []

    async def hold_the_first(route: Route) -> None:
        if held:
            await route.continue_()
            return
        held.append(route.request.url)
        response = await route.fetch()  # read now, with the second release live ...
        body = await response.body()
        read.set()
        await let_through.wait()  # ... and answered only once the view read after the rollback is shown
        await route.fulfill(response=response, body=body, headers={**response.headers, "x-test-held": "1"})

    await page.route("**/apps/demo", hold_the_first)
    await decide(approval.url, second, "approve")
    await wait_for_state(approval.store, second, S.LIVE)
    await asyncio.wait_for(read.wait(), 10)
    await rollback(approval.url, "demo", "bad prices")
    await wait_for_state(approval.store, second, S.ROLLED_BACK)
    await wait_for_state(approval.store, first, S.LIVE)

    await expect(page.locator(f'tr[data-release="{second}"] [data-testid="state"]')).to_have_text("rolled back")
    # The view read after the rollback: the first release serving again, no candidate line (before the approval
    # the first one served too, beside the second as the candidate).
    await expect(card.get_by_test_id("standby-line")).to_have_count(0)
    await expect(card.get_by_test_id("live-line")).to_contain_text(first[:12])

    let_through.set()
    await page.wait_for_function("() => window.heldRead !== null")
    await page.evaluate(SETTLED)
    # Read once, not retried: the next refresh (an event, the replicas' timer) would mend the card by itself.
    assert first[:12] in (await card.get_by_test_id("live-line").inner_text())
