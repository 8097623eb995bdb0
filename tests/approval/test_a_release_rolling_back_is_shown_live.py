"""A release being rolled back serves until the switcher's flip is done: the app's card names it as live, on its
colour, rather than no live release and no live colour (as it did, while traffic still went to it, for as long as
the switcher retried: up to its retry budget with the cluster away)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, live_release, reach
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]


async def test_the_card_names_the_release_rolling_back_as_live_on_its_colour(
        client: Client, settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        first = await live_release(client)
        second = await live_release(client)
        await reach(client, first, S.SUPERSEDED)
    before = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert before["live_release"]["id"] == second and before["live_colour"] is not None
    # No switcher from here on: the release stays rolling back.
    assert (await client.post("/apps/demo/rollback", json={"reason": "a"}, headers=APPROVER)).status == 202
    await reach(client, second, S.ROLLING_BACK)
    card = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert (card["live_release"]["id"], card["live_release"]["state"]) == (second, "rolling_back")
    assert card["live_colour"] == before["live_colour"]
    assert card["in_flight"] is None
