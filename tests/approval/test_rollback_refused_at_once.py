"""A rollback that cannot happen is a 409 with the reason at once, not a 202 refused in the background."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.rollback import rollback_refusal
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, Release
from tests.approval.conftest import APPROVER, live_release, reach, staged_release

Client = TestClient[web.Request, web.Application]


async def test_the_first_release_has_nothing_to_go_back_to(client: Client, pipeline: web.Application) -> None:
    first = await live_release(client)
    response = await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=APPROVER)
    assert response.status == 409
    body = await response.json()
    assert body["state"] == "live"
    assert body["error"] == (f"demo cannot be rolled back: release {first} is the first release of demo, "
                             "there is nothing to go back to.")


async def test_a_previous_colour_taken_by_a_later_release_is_gone(client: Client,
                                                                 pipeline: web.Application) -> None:
    first = await live_release(client)
    await live_release(client)
    await reach(client, first, S.SUPERSEDED)
    rejected = await staged_release(client)  # staged on the previous release's colour, then refused
    assert (await client.post(f"/releases/{rejected}/reject", headers=APPROVER)).status == 200
    await reach(client, rejected, S.REJECTED)
    response = await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=APPROVER)
    assert response.status == 409
    assert f"release {rejected} was staged on it since" in (await response.json())["error"]


def test_a_previous_release_that_is_not_superseded_cannot_go_live_again() -> None:
    sha = "1" * 40
    old = Release(id="old", app="demo", repository="r", commit=sha, requested_by="a", state=S.ROLLED_BACK)
    live = Release(id="new", app="demo", repository="r", commit=sha, requested_by="a", state=S.LIVE,
                   standby_colour=Colour.GREEN, previous_release="old")
    assert rollback_refusal(live, old, []) == "the previous release old is rolled_back and cannot go live again"
    assert rollback_refusal(live, old.model_copy(update={"state": S.SUPERSEDED}), []) is None
