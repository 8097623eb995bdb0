"""POST /apps/{app}/rollback: publishes rolling_back for the live release; the switcher does the rest."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, live_release, reach, staged_release, until
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]


async def test_rollback_puts_the_previous_release_back(client: Client, pipeline: web.Application) -> None:
    first = await live_release(client)
    second = await live_release(client)
    await reach(client, first, S.SUPERSEDED)
    response = await client.post("/apps/demo/rollback", json={"reason": "error rate up"}, headers=APPROVER)
    assert response.status == 202
    body = await response.json()
    assert (body["id"], body["state"]) == (second, "rolling_back")
    await reach(client, second, S.ROLLED_BACK)
    # Live again: a later event than its first `live` and its `superseded`.
    again = await until(client, lambda e: e.release_id == first and e.state == S.LIVE and e.seq > 11)
    assert again.seq == 12
    history = (await (await client.get(f"/releases/{second}", headers=REQUESTER)).json())["history"]
    asked = next(e for e in history if e["state"] == "rolling_back")
    assert (asked["actor"], asked["details"]) == ("dev-approver", {"reason": "error rate up"})
    view = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert view["live_release"]["id"] == first


async def test_rollback_needs_a_live_release_and_no_release_in_flight(client: Client,
                                                                     pipeline: web.Application) -> None:
    nothing = await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=APPROVER)
    assert nothing.status == 409 and "no live release" in (await nothing.json())["error"]
    await live_release(client)
    staged = await staged_release(client)
    busy = await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=APPROVER)
    assert busy.status == 409
    assert (await busy.json())["blocking_release"] == staged


async def test_rollback_twice_publishes_once(client: Client, settings: ApprovalSettings) -> None:
    async with running(fake_pipeline(settings.bus)):
        first = await live_release(client)
        await live_release(client)
        await reach(client, first, S.SUPERSEDED)
    # No switcher from here on, so the repeat meets the release rolling back: its caller's retry is answered as the
    # first was, with nothing published again; anyone else's is refused, naming who rolled it back.
    asked = await client.post("/apps/demo/rollback", json={"reason": "a"}, headers=APPROVER)
    assert asked.status == 202
    rolling = (await asked.json())["id"]
    await reach(client, rolling, S.ROLLING_BACK)
    again = await client.post("/apps/demo/rollback", json={"reason": "a"}, headers=APPROVER)
    assert again.status == 202 and (await again.json())["state"] == "rolling_back"
    other = await client.post("/apps/demo/rollback", json={"reason": "b"}, headers=ADMIN)
    assert other.status == 409
    assert (await other.json()) == {"error": f"demo was already rolled back by dev-approver; release {rolling} is "
                                             "now rolling_back.", "state": "rolling_back"}
    history = (await (await client.get(f"/releases/{rolling}", headers=REQUESTER)).json())["history"]
    assert [e["state"] for e in history].count("rolling_back") == 1


async def test_rollback_needs_the_approver_role_and_a_reason(client: Client) -> None:
    assert (await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=REQUESTER)).status == 403
    missing = await client.post("/apps/demo/rollback", json={}, headers=APPROVER)
    assert missing.status == 422 and (await missing.json())["fields"][0]["loc"] == ["body", "reason"]
    bad_app = await client.post("/apps/NOT-OK/rollback", json={"reason": "x"}, headers=APPROVER)
    assert bad_app.status == 422 and (await bad_app.json())["fields"][0]["loc"] == ["path", "app"]
