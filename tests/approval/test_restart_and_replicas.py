"""State is the folded release log: a restarted instance, or a second one, answers exactly the same."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, api_client, reach, request_release, staged_release

Client = TestClient[web.Request, web.Application]
READS = ("/releases", "/releases?app=demo", "/apps/demo", "/apps/other")


async def snapshot(client: Client, release_ids: list[str]) -> dict[str, object]:
    paths = [*READS, *(f"/releases/{rid}" for rid in release_ids)]
    return {path: await (await client.get(path, headers=REQUESTER)).json() for path in paths}


async def test_restarted_service_has_the_same_releases(settings: ApprovalSettings,
                                                       pipeline: web.Application) -> None:
    async with api_client(settings) as first:
        live = await staged_release(first)
        await first.post(f"/releases/{live}/approve", json={"comment": "ship"}, headers=APPROVER)
        await reach(first, live, S.LIVE)
        other = (await request_release(first, app="other"))["id"]
        await reach(first, other, S.AWAITING_APPROVAL)
        before = await snapshot(first, [live, other])
    async with api_client(settings) as second:
        # Replayed from the log during start-up: nothing to wait for.
        assert await snapshot(second, [live, other]) == before
        page = await (await second.get("/releases", headers=REQUESTER)).json()
        assert [r["id"] for r in page["items"]] == [other, live]  # no duplicates, none lost
        # And it carries on: a decision through the new instance works.
        assert (await second.post(f"/releases/{other}/approve", headers=APPROVER)).status == 200


async def test_two_replicas_answer_reads_the_same(settings: ApprovalSettings, pipeline: web.Application) -> None:
    async with api_client(settings) as one, api_client(settings) as two:
        staged = await staged_release(one)  # requested through one replica...
        await reach(two, staged, S.AWAITING_APPROVAL)  # ...and seen by the other from the log
        assert (await two.post(f"/releases/{staged}/approve", headers=APPROVER)).status == 200
        await reach(one, staged, S.LIVE)
        await reach(two, staged, S.LIVE)
        assert await snapshot(one, [staged]) == await snapshot(two, [staged])
