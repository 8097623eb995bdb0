"""A building release shows its latest build step on its row while it builds, and not once it is built."""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.shared.bus import Bus
from services.shared.progress import Progress
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.dashboard.conftest import Approval, request_release, sign_in
from tests.harness import wait_for_state


async def test_progress_shown_while_the_step_runs(approval: Approval, bus_settings: BusSettings,
                                                  page: Page) -> None:
    release_id = await request_release(approval.url)
    await wait_for_state(approval.store, release_id, S.REQUESTED)
    await sign_in(page, approval.url, "requester-token")
    row = page.locator(f'tr[data-release="{release_id}"]')
    await expect(page.get_by_test_id("stream-status")).to_have_text("live")

    bus = Bus(bus_settings, "gltest-dashboard-progress")
    await bus.connect()
    try:
        requested = await approval.store.latest(release_id)
        assert requested is not None
        building = requested.next(S.BUILDING, actor="builder")
        await bus.publish(building)
        await expect(row.get_by_test_id("state")).to_have_text("building")
        await bus.progress(Progress(release_id=release_id, app="demo", step="build",
                                    message="STEP 2/7: COPY . /src", current=2, total=7))
        shown = row.get_by_test_id("progress")
        await expect(shown).to_have_text("STEP 2/7: COPY . /src")
        # A later report replaces the one shown: a row stuck on the first step would pass with one report only.
        await bus.progress(Progress(release_id=release_id, app="demo", step="build",
                                    message="STEP 3/7: RUN <b>make</b>", current=3, total=7))
        await expect(shown).to_have_text("STEP 3/7: RUN <b>make</b>")  # as text, never as markup
        await bus.publish(building.next(S.BUILT, actor="builder", image="registry.local/demo:x"))
        await expect(row.get_by_test_id("state")).to_have_text("built")
        await expect(shown).to_have_count(0)
    finally:
        await bus.close()
