"""`GET /releases?approver=X` finds every release X gave an approval to where a policy needs several: the release X's
approval completed, the one X approved first and someone else completed, and the one X approved before someone
rejected it. Until migration 0017 only the deciding approver found a release (the read model keeps one approver a
release): the earlier approvers were in the release's `approval.given` alone. Paged one release at a time, each comes
once, newest first, and the other filters still narrow it; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.runtime import DATABASE
from services.shared.db.schema import greenlight_approvals
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
TWO = parse_app_spec("approval: {required_approvals: 2}\n")


async def _decide(client: Client, release_id: str, first: dict[str, str], last: dict[str, str], verb: str) -> None:
    given = await client.post(f"/releases/{release_id}/approve", headers=first)
    assert given.status == 200 and (await given.json())["state"] == "awaiting_approval", await given.text()
    body = {"comment": "not this one"} if verb == "reject" else None
    decided = await client.post(f"/releases/{release_id}/{verb}", json=body, headers=last)
    assert decided.status == 200, await decided.text()
    await reach(client, release_id, S.APPROVED if verb == "approve" else S.REJECTED)


async def _ids(client: Client, **params: str) -> list[str]:
    """Every page's release ids in order, paged one release at a time."""
    ids: list[str] = []
    cursor = None
    while True:
        page: dict[str, Any] = await (await client.get("/releases", headers=REQUESTER, params={
            "limit": "1", **params, **({"cursor": cursor} if cursor else {})})).json()
        ids += [item["id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return ids


async def test_every_approver_of_a_release_finds_it(settings: ApprovalSettings, any_database: str,
                                                    test_id: str) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO)):
        completed = await staged_release(client, app=f"done-{test_id}")
        await _decide(client, completed, ADMIN, APPROVER, "approve")  # dev-approver's approval completes the count
        first = await staged_release(client, app=f"first-{test_id}")
        await _decide(client, first, APPROVER, ADMIN, "approve")  # dev-approver first, dev-admin completes
        rejected = await staged_release(client, app=f"nay-{test_id}")
        await _decide(client, rejected, APPROVER, ADMIN, "reject")
        alone = await staged_release(client, app=f"other-{test_id}")  # nobody approved it

        newest_first = [rejected, first, completed]
        assert await _ids(client, approver="dev-approver") == newest_first
        assert await _ids(client, approver="dev-admin") == newest_first
        assert await _ids(client, approver="dev-approver", state="rejected") == [rejected]
        assert await _ids(client, approver="dev-approver", app=f"first-{test_id}") == [first]
        assert await _ids(client, approver="dev-requester") == []
        assert alone not in await _ids(client, approver="dev-admin")

        # An approval an older Greenlight recorded during a rolling upgrade has no creation time: still found.
        async with client.app[DATABASE].engine.begin() as connection:
            await connection.execute(greenlight_approvals.update().where(greenlight_approvals.c.release_id == first)
                                     .values(release_created_at=None))
        assert await _ids(client, approver="dev-approver") == newest_first
