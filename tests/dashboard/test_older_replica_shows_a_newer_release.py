"""The dashboard of an older API replica shows a release a newer Greenlight wrote: a state this version does not
know (`scanning`) in the list, on the release's page and in its app's card; an event of a newer schema version whose
state is an object (not a name) in its history, as the state's name where it has one. Each state that is no name of
this version's is badged "unknown".

Before, the release page of a release with such an event failed to draw (TypeError: state.replace is not a function,
in stateBadge): the page stayed on the previous view. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.newer_replica import (
    NEW_STATE,
    as_the_newer_one_stores,
    logged_as_newer,
    newer_replica,
    newer_steps,
)
from tests.dashboard.conftest import served, sign_in
from tests.db.conftest import HAPPY, chain
from tests.db.newer_events import publish_bodies


async def test_the_dashboard_shows_a_release_this_version_does_not_know(bus_settings: BusSettings, page: Page,
                                                                        any_database: str) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings, database=DatabaseSettings()))  # type: ignore[call-arg]
    async with served(app) as older:
        bus = app[BUS]
        # shop's r1 stopped in the newer state; api's r6 went through it and was rejected by a newer API, its
        # `deploying` stored in a newer schema's shape.
        await publish_bodies(bus, newer_steps(chain("r1", app="shop"), S.PUSHING)
                             + newer_steps(chain("r6", app="api", states=(*HAPPY, S.REJECTED)), schema_2=S.REJECTED))
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)
            await logged_as_newer(newer, "r6", S.DEPLOYING, schema_version=2, actor={"name": "deployer", "kind": "k8s"},
                                  state={"name": "deploying", "phase": "rollout"})
            await sign_in(page, older.url, "approver-token")
            row = page.locator('tr[data-release="r1"]')
            await expect(row.get_by_test_id("state")).to_have_text(NEW_STATE)
            await expect(row.get_by_test_id("state")).to_have_class("state state-unknown")
            await expect(page.get_by_test_id("app-shop")).to_contain_text(NEW_STATE)

            await page.goto(f"{older.url}/ui/releases/r1")
            await expect(page.get_by_test_id("fact-state")).to_have_text(NEW_STATE)
            await page.goto(f"{older.url}/ui/releases/r6")
            await expect(page.get_by_test_id("fact-state")).to_have_text("rejected")
            states = page.get_by_test_id("history").get_by_test_id("state")
            await expect(states).to_contain_text([NEW_STATE, "deploying", "awaiting approval", "rejected"])
