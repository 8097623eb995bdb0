"""An older API replica refuses, with the 409 of any command on a newer Greenlight's release, a rollback `to` an
earlier release of an app whose live release a newer Greenlight stored in a shape this version does not read (here a
colour it does not know): the rollback would switch away from that release, whether `to` is what runs already is
not known here, and a newer replica must act on it. Nothing is requested.

Before, the rollback read the live release with the typed read, which shows such a release as none: 202, and a
rollback requested past a live release this version cannot read. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, api_client
from tests.approval.newer_replica import newer_replica, stored_as_newer
from tests.db.conftest import HAPPY, chain, went_live
from tests.db.newer_events import logged, publish_bodies

SAYS = "Release web-p2 is in a state this version of Greenlight does not know (standby_colour: 'purple')"


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_a_rollback_to_away_from_a_live_release_this_version_cannot_read_is_409(settings: ApprovalSettings,
                                                                                       any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # web-p1 was pushed, then rejected: an image a rollback `to` may redeploy. web-p2 is live.
        p1 = chain("web-p1", app="web", states=(*HAPPY, S.REJECTED), image="registry.example/web:1",
                   digest="sha256:" + "a" * 64)
        await publish_bodies(bus, logged([*p1, *went_live("web-p2", Colour.GREEN, None, app="web")]))
        async with newer_replica(bus, any_database) as newer:
            await stored_as_newer(newer, "web-p2", standby_colour="purple")  # a newer Greenlight's third colour
            response = await client.post("/apps/web/rollback", json={"reason": "bad", "to": "web-p1"},
                                         headers=APPROVER)
            answer = await response.text()
            assert response.status == 409, (response.status, answer)
            assert SAYS in (await response.json())["error"] and "a newer replica must act on it" in answer, answer
            assert await newer.in_flight("web") is None  # nothing requested
