"""An event the API recorded but the log never echoed (its publish may have failed after delivery, or the API
stopped in between) is published again by the next request that meets it: same message id, folded once."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from tests.approval.conftest import APPROVER, REPO, REQUESTER, TO_APPROVAL, advance, reach, request_release
from tests.harness import logged_events, make_release

Client = TestClient[web.Request, web.Application]


async def test_a_request_recorded_but_never_published_goes_out_when_met_again(client: Client) -> None:
    database = client.app[DATABASE]
    young = make_release("young", app="fresh", created_at=utcnow(), updated_at=utcnow())
    old = make_release("orphan", app="demo", created_at=utcnow() - timedelta(minutes=5),
                       updated_at=utcnow() - timedelta(minutes=5))
    for release in (young, old):  # recorded as the API does, then never published
        await database.record(first_event(release, actor="dev-requester"), strict=True)

    body = {"repository": REPO, "commit": "main"}
    blocked = await client.post("/releases", json={"app": "fresh", **body}, headers=REQUESTER)
    assert blocked.status == 409 and (await blocked.json())["blocking_release"] == "young"
    again = await client.post("/releases", json={"app": "demo", **body}, headers=REQUESTER)
    assert again.status == 409 and (await again.json())["blocking_release"] == "orphan"
    await reach(client, "orphan", S.REQUESTED)  # the log has it now
    assert [e.release_id for e in await logged_events(database, app="demo")] == ["orphan"]
    assert [e.release_id for e in await logged_events(database, app="fresh")] == []  # too recent to resend


async def test_a_repeated_decision_publishes_an_unechoed_one_again(client: Client) -> None:
    database = client.app[DATABASE]
    release_id = (await request_release(client, app="solo"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    waiting = await database.latest(release_id)
    assert waiting is not None
    lost = waiting.next(S.APPROVED, actor="dev-approver", approver="dev-approver",
                        details={"comment": None, "admin_override": False})
    old = lost.model_copy(update={"release": lost.release.model_copy(
        update={"updated_at": utcnow() - timedelta(minutes=1)})})
    await database.record(old, strict=True)  # recorded; its publish never reached the broker

    retried = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    assert retried.status == 200 and (await retried.json())["state"] == "approved"
    await reach(client, release_id, S.APPROVED)
    assert [e.state for e in await logged_events(database) if e.release_id == release_id][-1] == S.APPROVED
