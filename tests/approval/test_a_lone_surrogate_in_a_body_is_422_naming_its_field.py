"""A JSON body may spell a lone UTF-16 surrogate (`"\\ud800"`), which json.loads reads into a str that no database
driver or publish can encode. A review suspected 500s from a release id to look up (`from_release`), a reason or a
comment; each is refused as the input error it is (422, the field named: pydantic-core does not read such a str into
a constrained field), nothing is recorded and nothing is logged as an unhandled error. This keeps it so."""

from __future__ import annotations

import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.approval.conftest import ADMIN, REQUESTER, request_release

Client = TestClient[web.Request, web.Application]


async def refused_field(client: Client, path: str, raw: bytes, headers: dict[str, str]) -> list[object]:
    response = await client.post(path, data=raw, headers={**headers, "Content-Type": "application/json"})
    body = await response.json()
    assert response.status == 422, (path, body)
    return [field["loc"] for field in body["fields"]]


async def test_a_lone_surrogate_is_refused_as_its_field_and_nothing_is_recorded(client: Client) -> None:
    release = await request_release(client)
    with structlog.testing.capture_logs() as logs:
        assert await refused_field(client, "/releases", b'{"app": "demo", "from_release": "\\ud800"}', REQUESTER) \
            == [["body", "from_release"]]
        for path, raw, field in ((f"/releases/{release['id']}/abort", b'{"reason": "oops \\udc00"}', "reason"),
                                 ("/apps/demo/rollback", b'{"reason": "back \\ud83d", "to": "x"}', "reason"),
                                 (f"/releases/{release['id']}/reject", b'{"comment": "no \\ud800 way"}', "comment")):
            assert await refused_field(client, path, raw, ADMIN) == [["body", field]], path
    assert not [line for line in logs if line["event"] == "unhandled error"], logs
    detail = await (await client.get(f"/releases/{release['id']}", headers=REQUESTER)).json()
    assert [event["state"] for event in detail["history"]] == ["requested"]  # no pipeline runs in this fixture
