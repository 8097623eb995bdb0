"""During a rolling upgrade an older replica shows a release or event a newer Greenlight wrote as stored, marked
`unknown_to_this_version` (README, *Reads*): its state under the newer name (`scanning`), an event of schema version 2
with an `actor` object. The OpenAPI document must admit those answers.

Before, the document's release and event were this version's alone: `state` a closed enum of this version's states
(the README says the document gives a state as a grammar), `actor` a string, no `unknown_to_this_version`. A client
validating (or generated from) the document rejected `GET /releases`, `GET /releases/{id}` and `GET /apps/{app}`
whenever such a release was among the answer.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client
from tests.approval.newer_replica import NEW_STATE, as_the_newer_one_stores, newer_replica, newer_steps
from tests.db.conftest import chain, went_live
from tests.db.newer_events import logged, publish_bodies

Client = TestClient[web.Request, web.Application]
UNKNOWN = "unknown_to_this_version"


async def answer_errors(client: Client, document: dict[str, Any], path: str, template: str) -> list[str]:
    """What in `path`'s answer the document's 200 schema of `template` does not admit."""
    response = await client.get(path, headers=REQUESTER)
    assert response.status == 200, await response.text()
    schema = document["paths"][template]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"[:300]
            for e in validator.iter_errors(await response.json())]


async def test_answers_holding_a_newer_greenlights_release_are_documented(settings: ApprovalSettings,
                                                                          database_url: str) -> None:
    settings = settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # shop's r1 stops in the newer state; web's r3 went live through the newer switcher (its `live` at version 2).
        await publish_bodies(bus, newer_steps(chain("r1", app="shop"), S.PUSHING) + logged(chain("r2", app="shop"))
                             + newer_steps(went_live("r3", Colour.BLUE, None, app="web"), scanning=False,
                                           schema_2=S.LIVE))
        async with newer_replica(bus, database_url) as newer:
            await as_the_newer_one_stores(newer)
            document = await (await client.get("/openapi.json")).json()
            r1 = await (await client.get("/releases/r1", headers=REQUESTER)).json()
            assert r1["release"]["state"] == NEW_STATE and r1["release"][UNKNOWN], r1  # shown as stored
            r3 = await (await client.get("/releases/r3", headers=REQUESTER)).json()
            assert r3["history"][-1][UNKNOWN] == "schema_version 2", r3
            problems = {path: await answer_errors(client, document, path, template) for path, template in (
                ("/releases", "/releases"), ("/releases?app=shop", "/releases"), ("/releases/r1", "/releases/{id}"),
                ("/releases/r3", "/releases/{id}"), ("/apps/shop", "/apps/{app}"), ("/apps/web", "/apps/{app}"))}
            assert not any(problems.values()), problems
            # This version's own are still held to its schema.
            item = (await (await client.get("/releases?app=shop", headers=REQUESTER)).json())["items"]
            assert [(i["id"], UNKNOWN in i) for i in item] == [("r2", False), ("r1", True)]
            page = document["paths"]["/releases"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            validator = jsonschema.Draft202012Validator({**page, "components": document["components"]})
            assert list(validator.iter_errors({"items": [{**item[0], "state": NEW_STATE}], "next_cursor": None}))
