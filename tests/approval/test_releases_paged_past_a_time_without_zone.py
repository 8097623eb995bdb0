"""GET /releases pages past a release whose logged snapshot gives its creation time without a zone (an event from
another publisher): the read model stores it as UTC, and the cursor after it names that position. It was a cursor
without a zone, which this API then refused as one it never handed out (404): every older release unreachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.approval.settings import ApprovalSettings
from services.shared.events import first_event
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.conftest import REQUESTER, api_client, reach, request_release
from tests.harness import make_release


async def test_a_page_ending_in_a_time_without_zone_has_a_next_page(bus_settings: BusSettings,
                                                                    any_database: str) -> None:
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        older = await request_release(client, app="older")
        naive = (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None)  # the newest of the three
        logged = first_event(make_release("zoneless", "zoneless", created_at=naive, updated_at=naive), actor="ann")
        await client.app[BUS].publish(logged)
        await reach(client, "zoneless", logged.state)
        newest = await request_release(client, app="newest")
        seen, cursor = [], None
        for _ in range(4):
            params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
            response = await client.get("/releases", params=params, headers=REQUESTER)
            assert response.status == 200, await response.text()
            page = await response.json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert seen == ["zoneless", newest["id"], older["id"]]
