"""A retried step that decided otherwise logs a second event with the same seq; the read model keeps the first
and shows the second with a note ("conflict"). The dashboard keyed events by seq, so the twin replaced the step
that happened: the release's page said `failed` where it was built and went on (real browser)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.bus import Bus
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.settings import BusSettings
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state


async def test_a_conflicting_twin_neither_shows_as_the_state_nor_replaces_the_step(
        approval: Approval, bus_settings: BusSettings, page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.REQUESTED)
    await sign_in(page, approval.url, "requester-token")
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")
    # Clicked at once: the list holds still while the app's card is read (test_release_list_stays_put).
    await page.locator(f'tr[data-release="{release_id}"]').get_by_test_id("open").click()
    await expect(page).to_have_url(f"{approval.url}/ui/releases/{release_id}")
    detail = page.get_by_test_id("detail")
    await expect(detail.get_by_test_id("fact-state")).to_have_text("requested")

    bus = Bus(bus_settings, "gltest-dashboard-twins")
    await bus.connect()
    try:
        requested = await approval.store.latest(release_id)
        assert requested is not None
        building = requested.next(S.BUILDING, actor="builder")
        built = building.next(S.BUILT, actor="builder", image="registry.local/demo:x")
        twin = building.next(S.FAILED, actor="builder", error=ReleaseError(step="build", reason="a retry's view"))
        await bus.publish(building)
        await bus.publish(built)
        await bus.publish(twin)
        await wait_for_state(approval.store, release_id, S.BUILT)
        history = (await approval.store.history(release_id))
        assert [(s.event.state, s.note) for s in history][-2:] == [(S.BUILT, None), (S.FAILED, "conflict")]
    finally:
        await bus.close()
    # The twin reached the page before this: the stream is in log order. (Another connection: a bus that
    # published `failed` refuses anything more for the release.)
    pusher = Bus(bus_settings, "gltest-dashboard-twins-pusher")
    await pusher.connect()
    try:
        await pusher.publish(built.next(S.PUSHING, actor="pusher"))
    finally:
        await pusher.close()
    await expect(detail.get_by_test_id("fact-state")).to_have_text("pushing")
    rows = detail.get_by_test_id("history").locator("tbody tr")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(2)).to_contain_text("built")

    await page.reload()  # the history as GET /releases/{id} gives it, the twin included with its note
    await expect(detail.get_by_test_id("fact-state")).to_have_text("pushing")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(2)).to_contain_text("built")
