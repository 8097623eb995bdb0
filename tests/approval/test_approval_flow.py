"""Approve and reject: the decision is published, recorded with who, when and why, and the app goes live."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, live_release, reach, request_release, staged_release

Client = TestClient[web.Request, web.Application]


async def test_approved_release_goes_live_with_an_audit_trail(client: Client, pipeline: web.Application) -> None:
    release_id = await staged_release(client)
    response = await client.post(f"/releases/{release_id}/approve", json={"comment": "looks good"},
                                 headers=APPROVER)
    assert response.status == 200
    approved = await response.json()
    assert (approved["state"], approved["approver"], approved["comment"]) == ("approved", "dev-approver",
                                                                              "looks good")
    assert approved["admin_override"] is False
    await reach(client, release_id, S.LIVE)
    detail = await (await client.get(f"/releases/{release_id}", headers=REQUESTER)).json()
    # The answer's approval status is made of the events the decision held, the detail's of the stored ones: alike.
    assert [g["by"] for g in approved["approval"]["given"]] == ["dev-approver"]
    assert approved["approval"] == detail["release"]["approval"]
    states = [e["state"] for e in detail["history"]]
    assert states == ["requested", "building", "built", "pushing", "pushed", "deploying", "awaiting_approval",
                      "approved", "switching", "live"]
    decision = detail["history"][7]
    assert decision["actor"] == "dev-approver"
    assert decision["details"].pop("decider_key").startswith("token:")  # who decided, as a rename leaves it
    assert decision["details"] == {"comment": "looks good", "admin_override": False, "policy": {
            "required_approvals": 1, "soak_seconds": 0.0, "expiry_seconds": None, "auto_promotion_seconds": None,
            "rollback_needs_approval": False, "notes": []}}
    assert datetime.fromisoformat(decision["occurred_at"]) >= datetime.fromisoformat(
        detail["history"][6]["occurred_at"])
    assert [e["offset"] for e in detail["history"]] == sorted(e["offset"] for e in detail["history"])
    assert detail["release"]["approver"] == "dev-approver" and detail["release"]["state"] == "live"


async def test_rejected_release_records_the_decision_and_frees_the_app(client: Client,
                                                                      pipeline: web.Application) -> None:
    release_id = await staged_release(client)
    response = await client.post(f"/releases/{release_id}/reject", json={"comment": "wrong commit"},
                                 headers=APPROVER)
    assert response.status == 200
    rejected = await response.json()
    assert (rejected["state"], rejected["approver"], rejected["comment"]) == ("rejected", "dev-approver",
                                                                              "wrong commit")
    assert rejected["approval"]["given"] == [] and rejected["approval"]["required"] == 1
    await reach(client, release_id, S.REJECTED)
    # Rejected is terminal: the app is free for the next release.
    await request_release(client)


async def test_decision_body_is_optional(client: Client, pipeline: web.Application) -> None:
    release_id = await staged_release(client)
    response = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert response.status == 200 and (await response.json())["comment"] is None


async def test_app_view_shows_live_standby_and_in_flight(client: Client, pipeline: web.Application) -> None:
    empty = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert empty == {"app": "demo", "live_colour": None, "live_release": None, "standby_release": None,
                     "in_flight": None, "warm": None, "colours": None}  # colours: the platform is not read
    first = await live_release(client)
    second = await staged_release(client)
    view = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert view["live_release"]["id"] == first and view["live_colour"] == "blue"
    assert view["in_flight"]["id"] == second and view["standby_release"]["id"] == second
    assert view["standby_release"]["standby_colour"] == "green"
    await client.post(f"/releases/{second}/approve", headers=APPROVER)
    await reach(client, first, S.SUPERSEDED)
    await reach(client, second, S.LIVE)  # published after the `superseded` (switcher: superseded first)
    view = await (await client.get("/apps/demo", headers=REQUESTER)).json()
    assert view["live_release"]["id"] == second and view["live_colour"] == "green"
    assert view["standby_release"]["id"] == first and view["in_flight"] is None
    assert (await client.get("/apps/Bad_Name", headers=REQUESTER)).status == 422
