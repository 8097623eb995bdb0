"""An older API replica refuses, with the 409 of any command on a newer Greenlight's release, a new release whose
`from_release` names a release a newer Greenlight stored in a state this version does not know: a newer replica must
redeploy its image. The release is not requested.

Before, POST /releases read that release with this version's model: 500 (a pydantic ValidationError). On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client
from tests.approval.newer_replica import newer_replica, stored_as_newer
from tests.db.conftest import HAPPY, chain
from tests.db.newer_events import logged, publish_bodies

SAYS = "Release s1 is in a state this version of Greenlight does not know (state: 'withdrawn')"


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_a_release_from_one_this_version_cannot_read_is_409(settings: ApprovalSettings,
                                                                   any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        pushed = chain("s1", app="shop", states=(*HAPPY, S.REJECTED), image="registry.example/shop:1",
                       digest="sha256:" + "a" * 64)
        await publish_bodies(bus, logged(pushed))
        async with newer_replica(bus, any_database) as newer:
            await stored_as_newer(newer, "s1", state="withdrawn")  # a newer Greenlight's end of it
            response = await client.post("/releases", json={"app": "shop", "from_release": "s1"}, headers=REQUESTER)
            answer = await response.text()
            assert response.status == 409, (response.status, answer)
            assert SAYS in (await response.json())["error"] and "a newer replica must act on it" in answer, answer
            assert await newer.in_flight("shop") is None  # nothing requested
