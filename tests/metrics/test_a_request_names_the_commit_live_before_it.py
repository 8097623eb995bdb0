"""`requested` names the commit the app runs live (`live_commit`): where the builder cuts what the release ships,
for the lead time of each of its commits, without asking any service. A first release names none, nor does a
release of a given image or a promotion (nothing is built)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import TO_APPROVAL, advance, request_release

Client = TestClient[web.Request, web.Application]
LIVE = "a" * 40
NEXT = "b" * 40


async def requested_details(client: Client, release_id: str) -> dict:
    history = await client.app[DATABASE].history(release_id, [S.REQUESTED])
    return dict(history[0].event.details)


async def test_the_request_names_the_apps_live_commit(client: Client) -> None:
    first = await request_release(client, app="shop", commit=LIVE)
    assert "live_commit" not in await requested_details(client, first["id"])  # nothing live yet
    await advance(client, first["id"], *TO_APPROVAL, S.APPROVED, S.SWITCHING, S.LIVE)
    second = await request_release(client, app="shop", commit=NEXT)
    assert (await requested_details(client, second["id"]))["live_commit"] == LIVE
    other = await request_release(client, app="blog", commit=NEXT)
    assert "live_commit" not in await requested_details(client, other["id"])  # another app's live commit is not its
