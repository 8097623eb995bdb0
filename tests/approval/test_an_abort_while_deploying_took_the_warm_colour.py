"""A release aborted while deploying took the warm colour: the rollback to it is refused at once.

The deployer publishes `deploying` before it knows the colour (its snapshot says none), deploys onto the standby
colour, the one still running the previous release warm, and frees it on the abort (marked released, scaled to
zero). The abort's `failed` said no colour and its step was `abort`, not `deploy`: the rollback's early refusal
(rollback.py) and the app card's warm colour (app_facts.py) missed it. A rollback was answered 202, then refused in
the background ("blue no longer runs release …"), and the card kept offering the warm colour as the previous
release's.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, advance, live_release, reach, request_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]


async def test_a_rollback_past_a_release_aborted_while_deploying_is_refused(client: Client,
                                                                           settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        first = await live_release(client)
        await live_release(client)
        await reach(client, first, S.SUPERSEDED)
    # No pipeline from here on: the next release is brought to `deploying` by hand, as the deployer announces it.
    cut = (await request_release(client))["id"]
    await advance(client, cut, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING)
    aborted = await client.post(f"/releases/{cut}/abort", json={"reason": "wrong commit"}, headers=APPROVER)
    assert aborted.status == 200, await aborted.text()
    await reach(client, cut, S.FAILED)

    card = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert card["warm"] is None, card["warm"]
    response = await client.post("/apps/demo/rollback", json={"reason": "error rate up"}, headers=APPROVER)
    assert response.status == 409, await response.text()
    assert f"release {cut} was staged on it since" in (await response.json())["error"]


async def test_an_abort_before_the_deploy_leaves_the_warm_colour(client: Client, settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        first = await live_release(client)
        await live_release(client)
        await reach(client, first, S.SUPERSEDED)
    cut = (await request_release(client))["id"]
    await advance(client, cut, S.BUILDING)
    aborted = await client.post(f"/releases/{cut}/abort", json={"reason": "wrong commit"}, headers=APPROVER)
    assert aborted.status == 200, await aborted.text()
    await reach(client, cut, S.FAILED)
    assert (await aborted.json())["standby_colour"] is None
    response = await client.post("/apps/demo/rollback", json={"reason": "error rate up"}, headers=APPROVER)
    assert response.status == 202, await response.text()
