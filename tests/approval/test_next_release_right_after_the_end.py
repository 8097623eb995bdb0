"""A client that saw a release end on the log (AMQP) asks for the app's next release at once, while the API's
projector holds that end delivered but not folded yet (its batch is being committed): the request waits for that
fold and is accepted, rather than refused with 409 naming a release that is over."""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REPO, REQUESTER, api_client, reach, request_release
from tests.harness import Deliveries, HeldFold, waiting_signal


# A full SHA goes straight to the record, which refuses a second release in flight; a branch is checked first.
@pytest.mark.parametrize("commit", ["a" * 40, "main"])
async def test_the_next_release_waits_for_the_fold_of_the_last_ones_end(
        settings: ApprovalSettings, commit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    deliveries = Deliveries(monkeypatch)
    async with api_client(settings) as client:
        database, bus = client.app[DATABASE], client.app[BUS]
        first = await request_release(client)  # recorded by the API itself: in flight in the database
        await reach(client, first["id"], S.REQUESTED)  # and its copy from the log folded
        requested = await database.latest(first["id"])
        assert requested is not None
        fold = HeldFold(database)
        building = requested.next(S.BUILDING, actor="builder")
        for event in (building, building.next(S.FAILED, actor="builder", details={"reason": "lint"})):
            await bus.publish(event)
        await deliveries.until(database, first["id"], 2)  # building, failed: their fold held
        assert (await database.in_flight("demo")).id == first["id"]  # type: ignore[union-attr]

        entered = waiting_signal(database)
        asking = asyncio.create_task(client.post(
            "/releases", json={"app": "demo", "repository": REPO, "commit": commit}, headers=REQUESTER))
        await asyncio.wait_for(entered.wait(), 10)  # refused at once, it would never wait
        fold.release.set()
        response = await asyncio.wait_for(asking, 10)
        assert response.status == 202, await response.text()
        assert (await database.latest(first["id"])).state is S.FAILED  # type: ignore[union-attr]
        assert (await database.in_flight("demo")).id == (await response.json())["id"]  # type: ignore[union-attr]


async def test_an_app_still_in_flight_is_refused_at_once_naming_it(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client:
        first = await request_release(client)
        entered = waiting_signal(client.app[DATABASE])
        response = await asyncio.wait_for(client.post(
            "/releases", json={"app": "demo", "repository": REPO, "commit": "main"}, headers=REQUESTER), 10)
        assert response.status == 409
        assert (await response.json())["blocking_release"] == first["id"]
        assert not entered.is_set()  # nothing of it delivered and unfolded: nothing waited for
