"""The dashboard of an older API replica applies, as it comes, an event its stream sends under a state only a newer
Greenlight knows (`event: scanning`): the release's page shows the state badged "unknown" and the step in its
history, and the events after it still come in their order.

Before, the page's EventSource listened only for the names of this version's states: the event was dropped, and the
page said `built` until reloaded (or until some other read happened to bring the release). Here every other read of
the release and its app is held, so only the stream can tell the page. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, Route, expect

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.newer_replica import NEW_STATE, newer_replica, newer_steps
from tests.dashboard.conftest import served, sign_in
from tests.db.conftest import chain
from tests.db.newer_events import publish_bodies
from tests.harness import wait_for_state


async def test_an_event_of_a_newer_state_reaches_the_page_live(bus_settings: BusSettings, page: Page,
                                                              any_database: str) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings, database=DatabaseSettings()))  # type: ignore[call-arg]
    async with served(app) as older:
        bus = app[BUS]
        steps = newer_steps(chain("r1", app="shop"))  # requested, building, built, scanning, pushed, …
        await publish_bodies(bus, steps[:3])
        await wait_for_state(older.store, "r1", S.BUILT)
        await sign_in(page, older.url, "approver-token", path="/ui/releases/r1")
        detail = page.get_by_test_id("detail")
        await expect(detail.get_by_test_id("fact-state")).to_have_text("built")
        await expect(page.get_by_test_id("stream-status")).to_have_text("live")
        await page.evaluate("model.caughtUp")

        released = asyncio.Event()

        async def held(route: Route) -> None:
            await released.wait()
            await route.continue_()

        for read in ("**/releases/r1", "**/apps/shop"):
            await page.route(read, held)
        try:
            await publish_bodies(bus, steps[3:4])  # this replica's projector stops at it: the newer one folds it
            async with newer_replica(bus, any_database):
                state = detail.get_by_test_id("fact-state")
                await expect(state).to_have_text(NEW_STATE)
                await expect(state.get_by_test_id("state")).to_have_class("state state-unknown")
                await publish_bodies(bus, steps[4:5])
                await expect(state).to_have_text("pushed")
                history = detail.get_by_test_id("history").get_by_test_id("state")
                await expect(history).to_have_text(["requested", "building", "built", NEW_STATE, "pushed"])
                await expect(history.nth(3)).to_have_class("state state-unknown")
        finally:
            released.set()
            await page.unroute_all(behavior="ignoreErrors")
