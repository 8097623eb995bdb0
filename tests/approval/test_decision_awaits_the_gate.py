"""A decision that arrives before the API's read model has folded `awaiting_approval` (a client that follows the
log over AMQP is a few milliseconds ahead of it) waits for the fold instead of being refused; with no catch-up
allowed it is refused at once, as before, naming the state it found."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, api_client, reach, request_release
from tests.harness import waiting_signal

Client = TestClient[web.Request, web.Application]


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
