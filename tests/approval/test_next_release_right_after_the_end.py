"""A client that saw a release end on the log (AMQP) asks for the app's next release at once. The API's projector
may still hold that end, delivered and unfolded (it lingers for more events before it folds): the request folds it
there and then, and is accepted, rather than refused with 409 naming a release that is over."""

from __future__ import annotations

import asyncio

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REPO, REQUESTER, api_client, request_release
from tests.harness import until_delivered

FOREVER = 600.0  # the projector's linger: only a request that hurries it can see the end in time


# A full SHA goes straight to the record, which refuses a second release in flight; a branch is checked first.
@pytest.mark.parametrize("commit", ["a" * 40, "main"])
async def test_the_next_release_is_accepted_while_the_end_of_the_last_is_unfolded(
        settings: ApprovalSettings, commit: str) -> None:
    lingering = settings.model_copy(update={"database": settings.database.model_copy(update={"linger": FOREVER})})
    async with api_client(lingering) as client:
        database, bus = client.app[DATABASE], client.app[BUS]
        first = await request_release(client)  # recorded by the API itself: in flight in the database
        requested = await database.latest(first["id"])
        assert requested is not None
        building = requested.next(S.BUILDING, actor="builder")
        for event in (building, building.next(S.FAILED, actor="builder", details={"reason": "lint"})):
            await bus.publish(event)
        await until_delivered(database, first["id"], 3)  # the log's requested, building, failed: none folded
        assert (await database.in_flight("demo")).id == first["id"]  # type: ignore[union-attr]

        response = await asyncio.wait_for(client.post(
            "/releases", json={"app": "demo", "repository": REPO, "commit": commit}, headers=REQUESTER), 10)
        assert response.status == 202, await response.text()
        assert (await database.latest(first["id"])).state is S.FAILED  # type: ignore[union-attr]
        assert (await database.in_flight("demo")).id == (await response.json())["id"]  # type: ignore[union-attr]


async def test_an_app_still_in_flight_is_refused_at_once_naming_it(settings: ApprovalSettings) -> None:
    lingering = settings.model_copy(update={"database": settings.database.model_copy(update={"linger": FOREVER})})
    async with api_client(lingering) as client:
        first = await request_release(client)
        response = await asyncio.wait_for(client.post(
            "/releases", json={"app": "demo", "repository": REPO, "commit": "main"}, headers=REQUESTER), 10)
        assert response.status == 409
        assert (await response.json())["blocking_release"] == first["id"]
