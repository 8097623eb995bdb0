"""A NUL character (U+0000) in any string the API accepts is refused with a 422 naming the field.

JSON (`\\u0000`) and URLs (`%00`) can carry it, and SQLite stores it, but PostgreSQL's text columns refuse it:
there a path id, a filter or a comment with NUL failed the query and answered 500. The refusal is made by the
input models themselves (approval/models.py `NulFree`), so it holds on every database and for every field, and
the OpenAPI document says so; the run is on PostgreSQL, where a NUL that slipped through would show. A release id
longer than the database's ids is refused the same way, before any query.
"""

from __future__ import annotations

import base64

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pydantic import ValidationError

from services.approval.hook_payloads import GenericPush
from services.approval.settings import ApprovalSettings
from services.shared.appspec import parse_app_spec
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import ADMIN, APPROVER, REQUESTER, api_client, reach, request_release, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

Client = TestClient[web.Request, web.Application]
TWO_APPROVALS = parse_app_spec("approval: {required_approvals: 2}\n")


@pytest.fixture
def settings(settings: ApprovalSettings, postgres_url: str) -> ApprovalSettings:
    database = DatabaseSettings()  # from GREENLIGHT_DATABASE_URL, which postgres_url set
    assert database.url.get_secret_value() == postgres_url
    return settings.model_copy(update={"database": database})


async def refused(response: ClientResponse, loc: list[str]) -> None:
    assert response.status == 422, await response.text()
    assert [f["loc"] for f in (await response.json())["fields"]] == [loc]


async def test_nul_in_paths_and_filters_is_refused(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client:
        release_id = (await request_release(client))["id"]
        await refused(await client.get("/releases/a%00", headers=REQUESTER), ["path", "id"])
        await refused(await client.get("/releases/a%00/events", headers=REQUESTER), ["path", "id"])
        for name in ("requested_by", "approver"):
            await refused(await client.get("/releases", params={name: "a\x00"}, headers=REQUESTER), ["query", name])
        await refused(await client.get("/releases/" + "a" * 65, headers=REQUESTER), ["path", "id"])
        # A cursor is base64: a NUL in the id it carries makes it one this API never handed out.
        forged = base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|a\x00").decode().rstrip("=")
        assert (await client.get("/releases", params={"cursor": forged}, headers=REQUESTER)).status == 404
        await refused(await client.post(f"/releases/{release_id}/abort", json={"reason": "x\x00"},
                                        headers=APPROVER), ["body", "reason"])
        await refused(await client.post("/apps/demo/rollback", json={"reason": "\x00"}, headers=APPROVER),
                      ["body", "reason"])
        listed = await client.get("/releases", params={"requested_by": "dev-requester"}, headers=REQUESTER)
        assert listed.status == 200 and [r["id"] for r in (await listed.json())["items"]] == [release_id]


async def test_nul_in_a_partial_approvals_comment_is_refused_and_counts_nothing(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client, running(fake_pipeline(settings.bus, spec=TWO_APPROVALS)):
        release_id = await staged_release(client)
        await refused(await client.post(f"/releases/{release_id}/approve", json={"comment": "ok\x00"},
                                        headers=APPROVER), ["body", "comment"])
        first = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=ADMIN)
        assert first.status == 200, await first.text()
        given = [g["by"] for g in (await first.json())["approval"]["given"]]
        assert given == ["dev-admin"]  # the refused approval was not counted
        second = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)
        assert second.status == 200, await second.text()
        await reach(client, release_id, S.LIVE)


def test_hook_payloads_refuse_nul_too() -> None:
    push = {"repository": "https://example.org/demo.git", "ref": "refs/heads/main", "after": "a" * 40}
    with pytest.raises(ValidationError) as refusal:
        GenericPush.model_validate({**push, "delivery": "d\x00"})
    assert [e["loc"] for e in refusal.value.errors()] == [("delivery",)]


async def test_the_document_says_so(settings: ApprovalSettings) -> None:
    # Schema tools (schemathesis) must not send as valid what the API refuses.
    async with api_client(settings) as client:
        document = await (await client.get("/openapi.json")).json()
    comment = document["components"]["schemas"]["DecisionRequest"]["properties"]["comment"]["anyOf"][0]
    path_id = next(p for p in document["paths"]["/releases/{id}"]["get"]["parameters"] if p["name"] == "id")
    assert comment["pattern"] == path_id["schema"]["pattern"] == "^[^\\x00]*$"
