"""The dashboard of an older API replica offers no command on a release a newer Greenlight stored in a shape this
version does not know (`unknown_to_this_version`, on the release or on its latest event): each would answer 409. A
short note says a newer replica must act on it, where the button was, and the release's facts stay shown. A release
this version knows keeps its buttons.

Before, the list and the release page offered approve/reject on such a release, the release page abort and "Roll back
to this release…", and the card of an app whose live release (or the one it would roll back to) is such a one and
that live release's page "Roll back…": pressed, each answered 409. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import httpx
from playwright.async_api import Locator, Page, expect

from services.approval.app import create_app
from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.events import ReleaseEvent, first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.newer_replica import logged_as_newer, newer_replica, stored_as_newer
from tests.dashboard.conftest import served, sign_in
from tests.db.conftest import HAPPY, TO_LIVE, chain
from tests.db.newer_events import logged, publish_bodies
from tests.harness import make_release

BUTTONS = '[data-testid="approve"], [data-testid="reject"], [data-testid="abort"], [data-testid="rollback"], ' \
          '[data-testid="rollback-to"]'
# What each button would have sent: the API refuses each (the test's premise, checked first).
REFUSED = [("/releases/s1/approve", {"comment": None}), ("/releases/s1/reject", {"comment": None}),
           ("/releases/s2/approve", {"comment": None}), ("/releases/s2/reject", {"comment": None}),
           ("/releases/y1/abort", {"reason": "stop"}), ("/apps/tea/rollback", {"reason": "bad"}),
           ("/apps/web/rollback", {"reason": "bad"}), ("/apps/web/rollback", {"reason": "bad", "to": "w1"})]


def pushed_to_live(rid: str, colour: Colour, previous: str | None, app: str) -> list[ReleaseEvent]:
    """A release's events to `live` on `colour`, with the image a rollback could bring back."""
    event = first_event(make_release(rid, app, previous_release=previous), actor="ann")
    events = [event]
    for state in TO_LIVE:
        changes = ({"standby_colour": colour} if state is S.DEPLOYING else
                   {"image": f"registry.local/{app}:{rid}", "digest": f"sha256:{rid:0<64}"} if state is S.PUSHED
                   else {})
        event = event.next(state, actor="test", **changes)
        events.append(event)
    return events


async def no_command_but_the_note(place: Locator) -> None:
    await expect(place.get_by_test_id("newer-only")).to_have_count(1)
    await expect(place.get_by_test_id("newer-only")).to_contain_text("newer Greenlight replica")
    await expect(place.locator(BUTTONS)).to_have_count(0)


async def test_no_command_is_offered_that_this_replica_would_refuse(bus_settings: BusSettings, page: Page,
                                                                    any_database: str) -> None:
    app = create_app(ApprovalSettings(dev_tokens=True, bus=bus_settings, database=DatabaseSettings()))  # type: ignore[call-arg]
    async with served(app) as older:
        # tea's t2 and web's w2 went live over t1 and w1; shop's s1 and s2 await approval; pay's y1 is deploying;
        # demo's d1 awaits approval.
        t1, w1 = pushed_to_live("t1", Colour.BLUE, None, "tea"), pushed_to_live("w1", Colour.BLUE, None, "web")
        await publish_bodies(app[BUS], logged([
            *t1, *pushed_to_live("t2", Colour.GREEN, "t1", "tea"), t1[-1].next(S.SUPERSEDED, actor="switcher"),
            *w1, *pushed_to_live("w2", Colour.GREEN, "w1", "web"), w1[-1].next(S.SUPERSEDED, actor="switcher"),
            *chain("s1", app="shop"), *chain("s2", app="shop"), *chain("y1", app="pay", states=HAPPY[:5]),
            *chain("d1", app="demo")]))
        async with newer_replica(app[BUS], any_database) as newer:
            # s1's release reads as this version's; its latest event is a newer schema version's.
            await logged_as_newer(newer, "s1", S.AWAITING_APPROVAL, schema_version=2)
            for rid, state in (("t2", S.LIVE), ("s2", S.AWAITING_APPROVAL), ("y1", S.DEPLOYING),
                               ("w1", S.SUPERSEDED)):
                # Deployed on a newer Greenlight's third colour, its latest event of a newer schema version.
                await stored_as_newer(newer, rid, standby_colour="purple")
                await logged_as_newer(newer, rid, state, schema_version=2)
            async with httpx.AsyncClient(base_url=older.url,
                                         headers={"Authorization": "Bearer approver-token"}) as http:
                for path, body in REFUSED:
                    answer = await http.post(path, json=body)
                    assert answer.status_code == 409, (path, answer.text)

            await sign_in(page, older.url, "approver-token")
            await expect(page.locator('tr[data-release="d1"]').get_by_test_id("approve")).to_be_visible()
            await no_command_but_the_note(page.locator('tr[data-release="s1"]'))
            await no_command_but_the_note(page.locator('tr[data-release="s2"]'))
            await no_command_but_the_note(page.get_by_test_id("app-tea"))
            await no_command_but_the_note(page.get_by_test_id("app-web"))  # its warm colour's release is w1

            detail = page.get_by_test_id("detail")
            for rid, shown in (("s1", "awaiting approval"), ("s2", "awaiting approval"), ("y1", "deploying"),
                               ("t2", "live"), ("w1", "superseded")):
                await page.goto(f"{older.url}/ui/releases/{rid}")
                await expect(detail.get_by_test_id("fact-state")).to_have_text(shown)
                await expect(detail.get_by_test_id("fact-commit")).not_to_be_empty()
                await no_command_but_the_note(detail)
            # t1 is this version's: it may come back, though its app's live release is a newer one's (a new release).
            await page.goto(f"{older.url}/ui/releases/t1")
            await expect(detail.get_by_test_id("rollback-to")).to_be_visible()
            await expect(detail.get_by_test_id("newer-only")).to_have_count(0)
