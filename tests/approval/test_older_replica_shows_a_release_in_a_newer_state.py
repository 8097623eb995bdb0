"""An older API replica shows a release a newer Greenlight moved to a state this version does not know (a rolling
upgrade: the newer replica projected it into the shared database): in the list (filtered by a state or not, paged
past it), in its detail with its history, in its app's card, and its event stream opens. The state keeps its name,
marked as unknown to this version; the fields this version does not know are shown as stored.

Before, every one of these reads parsed the stored snapshot or event with this version's models: GET /releases,
GET /releases/{id}, GET /apps/{app} and GET /releases/{id}/events answered 500 (a pydantic ValidationError: `state`
is not one of this version's), and so did every page of a list that held such a release.
On SQLite and PostgreSQL.
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
from tests.approval.newer_replica import (
    NEW_STATE,
    NEWER_FIELDS,
    TRACE_ID,
    as_the_newer_one_stores,
    newer_replica,
    newer_steps,
)
from tests.approval.sse import read_messages
from tests.db.conftest import chain
from tests.db.newer_events import logged, publish_bodies

Client = TestClient[web.Request, web.Application]
UNKNOWN = "unknown_to_this_version"
REPO, CREDENTIAL = "https://example.org/demo.git", "https://deploy:hunter2@example.org/demo.git"
ENDED = (S.BUILDING, S.BUILT, S.FAILED)  # an earlier release of the app, in states this version knows


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def read(client: Client, path: str) -> Any:
    response = await client.get(path, headers=REQUESTER)
    text = await response.text()
    assert response.status == 200, (path, response.status, text)
    assert "hunter2" not in text, text  # shown as stored, but a credential masked as ever (test_url_redaction.py)
    return await response.json()


async def test_an_older_replica_shows_a_release_in_a_state_it_does_not_know(settings: ApprovalSettings,
                                                                             any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # Made in this order: r0 ends in a state this version knows, r1 stops in the newer one, r2 is the newest.
        ended = logged(chain("r0", app="shop", states=ENDED))
        scanning = newer_steps(chain("r1", app="shop"), S.PUSHING)
        event, key, body = scanning[-1]
        scanning[-1] = (event, key, body.replace(REPO.encode(), CREDENTIAL.encode()))
        await publish_bodies(bus, ended + scanning + logged(chain("r2", app="other")))
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)

            listed = await read(client, "/releases?app=shop")
            assert [(item["id"], item["state"]) for item in listed["items"]] == [("r1", NEW_STATE), ("r0", "failed")]
            r1 = listed["items"][0]
            assert r1[UNKNOWN] and r1["scan_report"] == NEWER_FIELDS["scan_report"], r1
            assert r1["links"]["self"] == "/releases/r1" and UNKNOWN not in listed["items"][1]
            # Paged one by one past it, and filtered by a state this version knows.
            seen, cursor = [], ""
            while cursor is not None:
                page = await read(client, f"/releases?limit=1{cursor and '&cursor=' + cursor}")
                seen += [item["id"] for item in page["items"]]
                cursor = page["next_cursor"]
            assert seen == ["r2", "r1", "r0"]
            assert [i["id"] for i in (await read(client, "/releases?state=failed"))["items"]] == ["r0"]

            detail = await read(client, "/releases/r1")
            assert detail["release"]["state"] == NEW_STATE and detail["release"][UNKNOWN]
            history = detail["history"]
            assert [event["state"] for event in history] == ["requested", "building", "built", NEW_STATE]
            assert [UNKNOWN in event for event in history] == [False, False, False, True]
            assert history[-1]["trace_id"] == TRACE_ID and history[-1]["offset"] is not None

            card = await read(client, "/apps/shop")
            assert card["in_flight"]["id"] == "r1" and card["in_flight"]["state"] == NEW_STATE
            assert card["in_flight"][UNKNOWN]

            async with client.get("/releases/r1/events", headers={**REQUESTER, "Last-Event-ID": "-1"}) as stream:
                assert stream.status == 200, await stream.text()
                messages = await read_messages(stream, 4)
            assert [m.event for m in messages] == ["requested", "building", "built", NEW_STATE]
            assert messages[-1].data["release"]["repository"] == "https://***@example.org/demo.git"
            assert messages[-1].data["release"]["scan_report"] == NEWER_FIELDS["scan_report"]
