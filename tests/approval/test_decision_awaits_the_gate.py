"""A decision that arrives before the API's read model has folded `awaiting_approval` (a client that follows the
log over AMQP is a few milliseconds ahead of it) waits for the fold instead of being refused, and the projector
folds its next delivery at once rather than lingering for more; with no catch-up allowed it is refused at once, as
before, naming the state it found."""

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
from tests.harness import until_delivered

Client = TestClient[web.Request, web.Application]


def waiting_signal(database: ReleaseDatabase) -> asyncio.Event:
    """Set when a caller starts waiting for the read model to move."""
    entered = asyncio.Event()
    changed = database.changed

    async def spy(since: int, timeout: float) -> None:
        entered.set()
        await changed(since, timeout)

    database.changed = spy  # type: ignore[method-assign]
    return entered


async def test_an_approval_ahead_of_the_read_model_waits_for_the_gate(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    await advance(client, release_id, *TO_APPROVAL[:-1])  # deploying: one step before the gate
    entered = waiting_signal(client.app[DATABASE])
    decision = asyncio.create_task(client.post(f"/releases/{release_id}/approve", headers=APPROVER))
    await asyncio.wait_for(entered.wait(), 10)
    assert not decision.done()
    await advance(client, release_id, S.AWAITING_APPROVAL)
    response = await asyncio.wait_for(decision, 10)
    assert response.status == 200, await response.text()
    assert (await response.json())["state"] == "approved"
    await reach(client, release_id, S.APPROVED)


async def test_without_catch_up_an_early_decision_is_409_at_once(settings: ApprovalSettings) -> None:
    async with api_client(settings.model_copy(update={"gate_catch_up": 0.0})) as client:
        release_id = (await request_release(client))["id"]
        await advance(client, release_id, *TO_APPROVAL[:-1])
        entered = waiting_signal(client.app[DATABASE])
        response = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
        assert response.status == 409 and (await response.json())["state"] == "deploying"
        assert not entered.is_set()


async def test_a_decision_waiting_at_the_gate_has_the_next_delivery_folded_at_once(
        settings: ApprovalSettings) -> None:
    # A linger far past the test's timeouts: the projector folds only when hurried.
    lingering = settings.model_copy(update={"database": settings.database.model_copy(update={"linger": 600.0})})
    async with api_client(lingering) as client:
        database, projector = client.app[DATABASE], client.app[READ_MODEL].projector
        release_id = (await request_release(client))["id"]
        latest = await database.latest(release_id)
        assert latest is not None
        for state in TO_APPROVAL[:-1]:
            latest = latest.next(state, actor="test")
            await client.app[BUS].publish(latest)
        await until_delivered(database, release_id, len(TO_APPROVAL))  # the log's requested .. deploying
        projector.hurry()
        await reach(client, release_id, S.DEPLOYING)
        entered = waiting_signal(database)
        decision = asyncio.create_task(client.post(f"/releases/{release_id}/approve", headers=APPROVER))
        await asyncio.wait_for(entered.wait(), 10)
        folded = projector.folded.new
        await client.app[BUS].publish(latest.next(S.AWAITING_APPROVAL, actor="test"))
        response = await asyncio.wait_for(decision, 10)
        assert response.status == 200, await response.text()
        # Folded by the projector as it was delivered, not lingering until the decision took it along.
        assert projector.folded.new == folded + 1
