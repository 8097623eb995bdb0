"""An event the API recorded but the log never echoed (its publish may have failed after delivery, or the API
stopped in between) is published again by the next request that meets it: same message id, folded once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.bus import PublishFailed
from services.shared.db.runtime import DATABASE
from services.shared.ended import ReleaseEnded
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS
from tests.approval.conftest import (
    APPROVER,
    REPO,
    REQUESTER,
    TO_APPROVAL,
    advance,
    live_release,
    reach,
    request_release,
)
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


async def test_a_repeated_rollback_publishes_an_unechoed_one_again(client: Client, pipeline: web.Application) -> None:
    database = client.app[DATABASE]
    first = await live_release(client)
    second = await live_release(client)
    await reach(client, first, S.SUPERSEDED)
    live = await database.latest(second)
    assert live is not None and live.state is S.LIVE
    lost = live.next(S.ROLLING_BACK, actor="dev-approver", details={"reason": "error rate up"})
    old = lost.model_copy(update={"release": lost.release.model_copy(
        update={"updated_at": utcnow() - timedelta(minutes=1)})})
    await database.record(old, strict=True)  # recorded; its publish never reached the broker (a 503 said so)

    retried = await client.post("/apps/demo/rollback", json={"reason": "error rate up"}, headers=APPROVER)
    assert retried.status == 202 and (await retried.json())["state"] == "rolling_back"
    await reach(client, second, S.ROLLED_BACK)  # the switcher heard of it: the previous release serves again
    assert [e.state for e in await logged_events(database) if e.release_id == second].count(S.ROLLING_BACK) == 1


async def test_the_409_names_a_blocker_whose_end_was_heard_and_a_failed_publish_is_a_503(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The requester's retry publishes the blocker again: a publish that fails is a 503, so that they retry until it
    went out (the broker away); a blocker whose end this process heard meanwhile is not published, and the answer is
    the 409 naming it (it was a 500)."""
    database = client.app[DATABASE]
    old = make_release("orphan", app="demo", created_at=utcnow() - timedelta(minutes=5),
                       updated_at=utcnow() - timedelta(minutes=5))
    await database.record(first_event(old, actor="dev-requester"), strict=True)  # its publish never went out
    body = {"app": "demo", "repository": REPO, "commit": "main"}

    async def refused(*_: object, **__: object) -> None:
        raise PublishFailed("not confirmed in time")

    monkeypatch.setattr(client.app[BUS], "publish", refused)
    assert (await client.post("/releases", json=body, headers=REQUESTER)).status == 503

    async def ended(*_: object, **__: object) -> None:
        raise ReleaseEnded("orphan")

    monkeypatch.setattr(client.app[BUS], "publish", ended)
    blocked = await client.post("/releases", json=body, headers=REQUESTER)
    assert blocked.status == 409 and (await blocked.json())["blocking_release"] == "orphan"
