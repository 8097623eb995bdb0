"""A decision on a release whose `awaiting_approval` the log has delivered to this API's projector, but the fold
has not committed yet, is taken at once: it is recorded after that event, in one transaction, and the projector's
fold of the same event then finds it there (a duplicate, keeping the log's offset), instead of a second row."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.releases import ReleaseDatabase
from services.shared.db.runtime import DATABASE, READ_MODEL
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, api_client, reach, request_release
from tests.harness import HeldFold

Client = TestClient[web.Request, web.Application]


async def test_an_approval_continues_the_delivered_event_without_waiting_for_its_fold(
        settings: ApprovalSettings) -> None:
    # A catch-up far longer than the test may take: the decision must not have waited for the fold at all.
    async with api_client(settings.model_copy(update={"gate_catch_up": 60.0})) as client:
        database = client.app[DATABASE]
        release_id, fold = await staged_and_held(client)
        assert (await database.latest(release_id)).state is S.DEPLOYING  # type: ignore[union-attr]

        response = await asyncio.wait_for(client.post(f"/releases/{release_id}/approve", headers=APPROVER), 10)
        assert response.status == 200, await response.text()
        assert (await response.json())["state"] == "approved"

        fold.release.set()
        await reach(client, release_id, S.SWITCHING, S.APPROVED)
        await asyncio.wait_for(until_echoed(database, release_id, S.APPROVED), 15)
        history = await database.history(release_id)
        assert [(h.event.state, h.note) for h in history][-2:] == [(S.AWAITING_APPROVAL, None), (S.APPROVED, None)]
        assert all(h.offset is not None for h in history)  # the log's offsets, one row per event
        assert client.app[READ_MODEL].projector.folded.duplicates >= 2


async def staged_and_held(client: Client) -> tuple[str, HeldFold]:
    """A release whose `awaiting_approval` the log delivered to the API's projector, its batch held unfolded."""
    database, bus = client.app[DATABASE], client.app[BUS]
    release_id = (await request_release(client))["id"]
    await advance(client, release_id, *TO_APPROVAL[:-1])  # deploying, folded
    fold = HeldFold(database)
    latest = await database.latest(release_id)
    assert latest is not None
    await bus.publish(latest.next(S.AWAITING_APPROVAL, actor="test"))
    await asyncio.wait_for(fold.held.wait(), 10)
    return str(release_id), fold


async def until_echoed(database: ReleaseDatabase, release_id: str, state: S) -> None:
    """Until the log's copy of the release's `state` event has been folded (its row has an offset)."""
    while True:
        version = database.version
        if any(h.event.state is state and h.offset is not None for h in await database.history(release_id)):
            return
        await database.changed(version, 1.0)
