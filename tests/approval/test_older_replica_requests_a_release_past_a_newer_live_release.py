"""An older API replica accepts a new release, or a promotion of an earlier release's image, of an app whose live
release a newer Greenlight stored in a shape this version does not read (here a colour it does not know): neither
acts on the live release (the deployer finds the live colour on the cluster), so a newer replica would accept the
same request, and refusing would stop the app's releases on every older replica for as long as it stays live. The
new release's `requested` names the live commit (`live_commit`, where the builder cuts what it ships), read from
that release as stored, as a newer replica's request would.

Before, the request was accepted but `live_commit` was left out (the typed read shows such a live release as none):
the builder took the release for the app's first and counted only its head commit's lead time. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import REPO, REQUESTER, api_client
from tests.approval.newer_replica import newer_replica, stored_as_newer
from tests.db.conftest import HAPPY, chain, went_live
from tests.db.newer_events import logged, publish_bodies
from tests.harness import SHA

Client = TestClient[web.Request, web.Application]
NEXT = "b" * 40


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def requested(client: Client, body: dict[str, str]) -> dict[str, object]:
    """POST /releases: 202; the details its `requested` event was recorded with."""
    response = await client.post("/releases", json=body, headers=REQUESTER)
    assert response.status == 202, (response.status, await response.text())
    history = await client.app[DATABASE].history((await response.json())["id"], [S.REQUESTED])
    return dict(history[0].event.details)


async def test_a_release_past_a_live_release_this_version_cannot_read_is_requested(settings: ApprovalSettings,
                                                                                    any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        # web-p0 was pushed, then rejected: an image a promotion may redeploy. web-p1 and shop-q1 are live (at SHA).
        p0 = chain("web-p0", app="web", states=(*HAPPY, S.REJECTED), image="registry.example/web:1",
                   digest="sha256:" + "a" * 64)
        await publish_bodies(bus, logged([*p0, *went_live("web-p1", Colour.GREEN, None, app="web"),
                                          *went_live("shop-q1", Colour.BLUE, None, app="shop")]))
        async with newer_replica(bus, any_database) as newer:
            for live in ("web-p1", "shop-q1"):
                await stored_as_newer(newer, live, standby_colour="purple")  # a newer Greenlight's third colour
            assert (await newer.app("shop")).newer["live"].id == "shop-q1"  # what the typed read shows as none

            details = await requested(client, {"app": "shop", "repository": REPO, "commit": NEXT})
            assert details["live_commit"] == SHA, details

            promoted = await requested(client, {"app": "web", "from_release": "web-p0"})
            assert promoted["from_release"] == "web-p0" and "live_commit" not in promoted, promoted  # nothing built
