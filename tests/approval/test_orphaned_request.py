"""A release recorded but never published (the API died in between) stops blocking its app after a while."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from tests.approval.conftest import REQUESTER, reach, request_release
from tests.harness import make_release

Client = TestClient[web.Request, web.Application]


async def test_an_orphaned_request_is_failed_with_the_reason_and_frees_its_app(client: Client) -> None:
    database = client.app[DATABASE]
    recent = make_release("recent", app="fresh", created_at=utcnow())
    old = make_release("orphan", app="demo", created_at=utcnow() - timedelta(minutes=5))
    for release in (recent, old):  # recorded as the API does, then never published
        await database.record(first_event(release, actor="dev-requester"), strict=True)

    still_young = await client.post("/releases", json={"app": "fresh", "repository": "https://example.org/x.git",
                                                       "commit": "main"}, headers=REQUESTER)
    assert still_young.status == 409 and (await still_young.json())["blocking_release"] == "recent"

    accepted = await request_release(client, app="demo")
    await reach(client, "orphan", S.FAILED)
    orphan = await database.get("orphan")
    assert orphan is not None and orphan.error is not None
    assert orphan.error.reason.startswith("the request never reached the release log")
    assert (await database.in_flight("demo")).id == accepted["id"]  # type: ignore[union-attr]
