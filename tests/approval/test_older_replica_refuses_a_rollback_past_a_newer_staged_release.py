"""An older API replica refuses, with the 409 of any command on a newer Greenlight's release, to roll back an app whose
newest release staged since the live one is one this version cannot read (a newer Greenlight stored it deployed on
a colour this version does not know): whether it took the warm colour is a newer replica's to say.

Before, the rollback's check that the warm colour still runs the previous release read that release with this
version's model: 500 (a pydantic ValidationError), the one left of the commands on such a release. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, api_client
from tests.approval.newer_replica import newer_replica, staged_over_the_warm_colour, stored_as_newer
from tests.db.newer_events import publish_bodies

SAYS = "Release web-p3 is in a state this version of Greenlight does not know (standby_colour: 'purple')"


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_a_rollback_past_a_staged_release_this_version_cannot_read_is_409(settings: ApprovalSettings,
                                                                                 any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        await publish_bodies(bus, staged_over_the_warm_colour("web"))
        async with newer_replica(bus, any_database) as newer:
            await stored_as_newer(newer, "web-p3", standby_colour="purple")
            response = await client.post("/apps/web/rollback", json={"reason": "bad"}, headers=APPROVER)
            answer = await response.text()
            assert response.status == 409, (response.status, answer)
            assert SAYS in (await response.json())["error"] and "a newer replica must act on it" in answer, answer
            latest = await newer.latest("web-p2")  # nothing recorded: a rollback records before it publishes
            assert latest is not None and latest.state is S.LIVE, latest
