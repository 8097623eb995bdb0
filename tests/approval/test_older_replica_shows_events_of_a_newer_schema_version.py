"""An older API replica shows a release whose events a newer Greenlight wrote at a newer schema version (2, whose
`actor` is an object): its history holds them as stored, marked with the version, its app's card answers (the live
release's own `live` event is one of them), and its stream carries them on.

Before, GET /releases/{id} answered 500 (a pydantic ValidationError: `actor` is no string), and so did
GET /apps/{app} (the warm colour reads the live release's `live` event); the release's stream resumed before them
ended at the first without sending it. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client
from tests.approval.newer_replica import newer_replica, newer_steps
from tests.approval.sse import read_messages
from tests.db.conftest import went_live
from tests.db.newer_events import publish_bodies

Client = TestClient[web.Request, web.Application]
UNKNOWN = "unknown_to_this_version"


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def read(client: Client, path: str) -> Any:
    response = await client.get(path, headers=REQUESTER)
    assert response.status == 200, (path, response.status, await response.text())
    return await response.json()


async def test_an_older_replica_shows_events_of_a_newer_schema_version(settings: ApprovalSettings,
                                                                        any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # Its switcher is the newer one: the `live` event is at schema version 2.
        await publish_bodies(bus, newer_steps(went_live("r3", Colour.BLUE, None, app="web"), scanning=False,
                                              schema_2=S.LIVE))
        async with newer_replica(bus, any_database):
            detail = await read(client, "/releases/r3")
            assert detail["release"]["state"] == "live" and UNKNOWN not in detail["release"]
            history = detail["history"]
            assert [event["state"] for event in history][-3:] == ["approved", "switching", "live"]
            assert [event.get(UNKNOWN) for event in history][-2:] == [None, "schema_version 2"]
            assert history[-1]["schema_version"] == 2 and history[-1]["actor"] == {"name": "test", "kind": "service"}

            card = await read(client, "/apps/web")
            assert card["live_release"]["id"] == "r3" and card["live_colour"] == "blue"
            assert [item["id"] for item in (await read(client, "/releases?state=live"))["items"]] == ["r3"]

            async with client.get("/releases/r3/events", headers={**REQUESTER, "Last-Event-ID": "-1"}) as stream:
                assert stream.status == 200
                messages = await read_messages(stream, len(history))
            assert [m.event for m in messages] == [event["state"] for event in history]
            assert messages[-1].data[UNKNOWN] == "schema_version 2"
