"""An older API replica answers `GET /releases?state=<a state only a newer Greenlight knows>` with the releases stored
in that state (a rolling upgrade: a client of the newer version asks whichever replica it meets), shown as stored;
a name nothing is stored under is an empty page. A name outside the grammar of state names is still 422 naming
`query.state`.

Before, `state` was this version's enum: every such request was 422, though the older replica lists those releases
unfiltered. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client
from tests.approval.newer_replica import NEW_STATE, as_the_newer_one_stores, newer_replica, newer_steps
from tests.db.conftest import chain
from tests.db.newer_events import logged, publish_bodies

Client = TestClient[web.Request, web.Application]
UNKNOWN = "unknown_to_this_version"
MALFORMED = ("Scanning", "scan-ning", "9lives", "", "a" * 33, "live%20")  # outside ^[a-z][a-z0-9_]{0,31}$


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def ids(client: Client, query: str) -> list[Any]:
    response = await client.get(f"/releases?{query}", headers=REQUESTER)
    assert response.status == 200, (query, response.status, await response.text())
    items = (await response.json())["items"]
    assert all(item["state"] == NEW_STATE and item[UNKNOWN] for item in items if item["id"].startswith("s")), items
    return [item["id"] for item in items]


async def test_a_state_only_a_newer_greenlight_knows_filters_the_list(settings: ApprovalSettings,
                                                                      any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # s1 of shop, s2 of blog and s3 of docs stop in the newer state; r0 of shop ends in a state this version knows.
        scanning = [event for rid, app in (("s1", "shop"), ("s2", "blog"), ("s3", "docs"))
                    for event in newer_steps(chain(rid, app=app), S.PUSHING)]
        await publish_bodies(bus, logged(chain("r0", app="shop", states=(S.BUILDING, S.FAILED))) + scanning)
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)

            assert await ids(client, f"state={NEW_STATE}") == ["s3", "s2", "s1"]
            assert await ids(client, f"app=shop&state={NEW_STATE}") == ["s1"]  # the (app, state) index's read
            first = await client.get(f"/releases?state={NEW_STATE}&limit=2", headers=REQUESTER)
            cursor = (await first.json())["next_cursor"]
            assert await ids(client, f"state={NEW_STATE}&limit=2&cursor={cursor}") == ["s1"]  # paged by it too
            assert await ids(client, "state=canarying") == []  # well formed, nothing stored in it: no such releases
            assert await ids(client, "state=failed") == ["r0"]  # this version's states as before

            for state in MALFORMED:
                response = await client.get(f"/releases?state={state}", headers=REQUESTER)
                assert response.status == 422, (state, response.status)
                assert [f["loc"] for f in (await response.json())["fields"]] == [["query", "state"]], state
