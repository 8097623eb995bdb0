"""An older API replica refuses, with a 409 saying why, to decide on, abort, roll back or roll back to a release a
newer Greenlight left in a state (or with an event of a schema version) this version does not know: a newer replica
must act on it. The body is the API's usual error shape.

Before, each of these parsed the stored release or event with this version's models and answered 500 (a pydantic
ValidationError): approve/reject and abort of a `scanning` release or of one whose `awaiting_approval` event is at
schema version 2, rollback of an app whose in-flight release is `scanning` or whose live release's `live` event is
at schema version 2, rollback `to` a `scanning` release, and a new release of an app whose in-flight release is
`scanning`. Approving a release whose `awaiting_approval` is at schema version 2 but parses was 200, acting on an
event this version may misread. A rollback of an app whose live release this version cannot read (a newer colour)
answered 409 "has no live release to roll back", which it has. On SQLite and PostgreSQL.
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
from tests.approval.conftest import APPROVER, REPO, api_client
from tests.approval.newer_replica import (
    as_the_newer_one_stores,
    logged_as_newer,
    newer_replica,
    newer_steps,
    stored_as_newer,
)
from tests.db.conftest import chain, went_live
from tests.db.newer_events import logged, publish_bodies

Client = TestClient[web.Request, web.Application]
SAYS = "in a state this version of Greenlight does not know"


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def refused(client: Client, path: str, body: dict[str, Any], why: str) -> None:
    response = await client.post(path, json=body, headers=APPROVER)
    text = await response.text()
    assert response.status == 409, (path, response.status, text)
    answer = await response.json()
    assert set(answer) == {"error"}, answer  # the API's error body (errors.py)
    assert SAYS in answer["error"] and why in answer["error"] and "newer" in answer["error"], answer


async def test_commands_on_a_release_this_version_does_not_know_answer_409(settings: ApprovalSettings,
                                                                           any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # shop's r1 is `scanning`; api's r4 awaits approval since an event at schema version 2; web's p2 went live
        # over p1 with its `live` event at schema version 2.
        p1 = went_live("p1", Colour.BLUE, None, app="web")
        p2 = went_live("p2", Colour.GREEN, "p1", app="web")
        t1 = went_live("t1", Colour.BLUE, None, app="tea")
        await publish_bodies(bus, newer_steps(chain("r1", app="shop"), S.PUSHING)
                             + newer_steps(chain("r4", app="api"), scanning=False, schema_2=S.AWAITING_APPROVAL)
                             + logged(p1) + newer_steps(p2, scanning=False, schema_2=S.LIVE)
                             + logged([p1[-1].next(S.SUPERSEDED, actor="switcher"), *t1, *chain("r7", app="pay")]))
        async with newer_replica(bus, any_database) as newer:
            await as_the_newer_one_stores(newer)
            await stored_as_newer(newer, "t1", standby_colour="purple")  # a newer Greenlight's third colour
            await logged_as_newer(newer, "r7", S.AWAITING_APPROVAL, schema_version=2)  # in a shape this one parses
            scanning, schema_2 = "state: 'scanning'", "schema_version 2"
            for verb in ("approve", "reject"):
                await refused(client, f"/releases/r1/{verb}", {"comment": "ok"}, scanning)
                await refused(client, f"/releases/r4/{verb}", {"comment": "ok"}, schema_2)
            # Parsed, but of a schema version this version does not know: not acted on either.
            await refused(client, "/releases/r7/approve", {"comment": "ok"}, schema_2)
            await refused(client, "/releases/r1/abort", {"reason": "stop"}, scanning)
            await refused(client, "/releases/r4/abort", {"reason": "stop"}, schema_2)
            await refused(client, "/apps/shop/rollback", {"reason": "bad"}, scanning)
            await refused(client, "/apps/web/rollback", {"reason": "bad"}, schema_2)
            await refused(client, "/apps/web/rollback", {"reason": "bad", "to": "r1"}, scanning)
            # tea's live release is one this version cannot read: not "tea has no live release".
            await refused(client, "/apps/tea/rollback", {"reason": "bad"}, "standby_colour: 'purple'")
            # A new release of shop: its in-flight release is the one in the unknown state.
            await refused(client, "/releases", {"app": "shop", "repository": REPO, "commit": "main"}, scanning)
