"""POST /apps/{app}/rollback with `to`: any earlier release comes back as a release of its own that redeploys its
digest (no build), runs the checks and switches; `restores` names it. The request is the approval, unless the
app's policy says `rollback_needs_approval`."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, live_release, reach
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]


async def test_rollback_to_an_earlier_release_redeploys_it_approved_by_the_request(client: Client,
                                                                                  pipeline: web.Application) -> None:
    oldest = await live_release(client)
    await live_release(client)
    newest = await live_release(client)
    answer = await client.post("/apps/demo/rollback", json={"reason": "bad since two releases", "to": oldest},
                               headers=APPROVER)
    assert answer.status == 202, await answer.text()
    body = await answer.json()
    assert (body["restores"], body["state"], body["requested_by"]) == (oldest, "requested", "dev-approver")
    assert answer.headers["Location"] == f"/releases/{body['id']}"
    await reach(client, body["id"], S.LIVE)
    await reach(client, newest, S.SUPERSEDED)
    source = await client.app[DATABASE].get(oldest)
    history = await client.app[DATABASE].history(body["id"])
    requested, approved = history[0].event, next(s.event for s in history if s.event.state is S.APPROVED)
    assert source is not None and (requested.release.image, requested.release.digest) == (source.image, source.digest)
    assert requested.details["restores"] == oldest and requested.details["reason"] == "bad since two releases"
    assert (approved.actor, approved.details["rollback_to"]) == ("dev-approver", oldest)
    view = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert (view["live_release"]["id"], view["live_release"]["restores"]) == (body["id"], oldest)


async def test_a_policy_may_make_a_rollback_wait_for_approvals(settings: ApprovalSettings) -> None:
    strict = parse_app_spec("approval: {rollback_needs_approval: true}\n")
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=strict)):
        first = await live_release(client)
        await live_release(client)
        answer = await client.post("/apps/demo/rollback", json={"reason": "r", "to": first}, headers=APPROVER)
        rollback = (await answer.json())["id"]
        await reach(client, rollback, S.AWAITING_APPROVAL)
        own = await client.post(f"/releases/{rollback}/approve", headers=APPROVER)  # the requester, as any release
        other = await client.post(f"/releases/{rollback}/approve", headers=ADMIN)
        assert (own.status, other.status) == (403, 200)
        await reach(client, rollback, S.LIVE)


async def test_what_cannot_be_rolled_back_to(client: Client, pipeline: web.Application) -> None:
    live = await live_release(client)
    missing = await client.post("/apps/demo/rollback", json={"reason": "r", "to": "nope"}, headers=APPROVER)
    assert missing.status == 404 and (await missing.json())["fields"][0]["loc"] == ["body", "to"]
    itself = await client.post("/apps/demo/rollback", json={"reason": "r", "to": live}, headers=APPROVER)
    assert itself.status == 409 and "runs already" in (await itself.json())["error"]
    other = await live_release(client, app="other")
    wrong_app = await client.post("/apps/demo/rollback", json={"reason": "r", "to": other}, headers=APPROVER)
    assert wrong_app.status == 422 and "of app other" in (await wrong_app.json())["fields"][0]["msg"]
    by_requester = await client.post("/apps/demo/rollback", json={"reason": "r", "to": live}, headers=REQUESTER)
    assert by_requester.status == 403
