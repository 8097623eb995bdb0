"""An app's card answers when the live release's `live` event names a warm colour, or a scale-down time, this version
cannot read (a newer Greenlight's switcher wrote it: a colour added since, another time format): no warm colour.

Before, GET /apps/{app} answered 500: `Colour("purple")` and `datetime.fromisoformat` raise ValueError, and the card
only caught pydantic's ValidationError, which is raised where a newer event's body is read. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, utcnow
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client, reach
from tests.db.conftest import went_live

Client = TestClient[web.Request, web.Application]
LATER = (utcnow() + timedelta(minutes=10)).isoformat()


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


@pytest.mark.parametrize("details", [
    {"warm_colour": "purple", "scale_down_at": LATER},
    {"warm_colour": "blue", "scale_down_at": "in ten minutes"},
    {"warm_colour": "blue", "scale_down_at": 1_700_000_000},
], ids=["colour", "time", "number"])
async def test_an_app_card_answers_beside_a_warm_colour_it_cannot_read(
        settings: ApprovalSettings, details: dict[str, object]) -> None:
    async with api_client(settings) as client:
        earlier, later = went_live("r1", Colour.BLUE, None, app="web"), went_live("r2", Colour.GREEN, "r1", app="web")
        later[-1] = later[-1].model_copy(update={"details": details})
        for event in [*earlier, earlier[-1].next(S.SUPERSEDED, actor="switcher"), *later]:
            await client.app[BUS].publish(event)
        await reach(client, "r2", S.LIVE)
        response = await client.get("/apps/web", headers=REQUESTER)
        assert response.status == 200, await response.text()
        card = await response.json()
        assert card["live_release"]["id"] == "r2" and card["live_colour"] == "green" and card["warm"] is None
