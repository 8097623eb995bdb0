"""GET /metrics/delivery on an older API replica whose history holds events a newer Greenlight wrote: a release in a
state this version does not know, and a `live` event of a newer schema version in a shape this version's model
refuses (its state an object). It counts what it can read: the release whose `live` it cannot read is no deployment
here, the others are counted as ever.

Before, the report parsed every event of the window with this version's model: 500 (a pydantic ValidationError for
EventFacts). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client
from tests.approval.newer_replica import as_the_newer_one_stores, logged_as_newer, newer_replica, newer_steps
from tests.db.conftest import chain, went_live
from tests.db.newer_events import logged, publish_bodies


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_delivery_metrics_count_what_this_version_reads(settings: ApprovalSettings, any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        r2 = went_live("r2", Colour.BLUE, None, app="web")
        r3 = went_live("r3", Colour.GREEN, "r2", app="web")  # its switcher is the newer one: `live` at schema 2
        await publish_bodies(bus, logged(r2) + newer_steps(chain("r1", app="web"), S.PUSHING)
                             + newer_steps(r3, scanning=False, schema_2=S.LIVE))
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)
            await logged_as_newer(newer, "r3", S.LIVE, state={"name": "live", "traffic": 100})  # no model reads it
            answer = await client.get("/metrics/delivery", params={"app": "web"}, headers=REQUESTER)
            assert answer.status == 200, await answer.text()
            keys = (await answer.json())["overall"]
            assert keys["deployments"] == 1, keys  # r2; r3's `live` is one this version cannot read
