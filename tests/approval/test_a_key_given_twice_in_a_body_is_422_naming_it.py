"""A JSON body that gives a key twice (`{"app": "demo", "app": "other", …}`) was read as its last value:
`POST /releases` answered 202 and released `other`. A proxy or an audit log that takes the first value saw another
request than the one made, the question repeated query parameters already answer with a 422. A key given twice is
refused naming it, and nothing is recorded."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.approval.conftest import REQUESTER

Client = TestClient[web.Request, web.Application]
SHA = "0123456789abcdef0123456789abcdef01234567"


async def test_a_key_given_twice_is_refused_naming_it(client: Client) -> None:
    raw = b'{"app": "demo", "app": "other", "repository": "https://example.org/demo.git", "commit": "' \
        + SHA.encode() + b'"}'
    response = await client.post("/releases", data=raw, headers={**REQUESTER, "Content-Type": "application/json"})
    body = await response.json()
    assert response.status == 422, body
    assert body["fields"] == [{"loc": ["body", "app"], "msg": "given 2 times; give it once"}], body
    listed = await (await client.get("/releases", headers=REQUESTER)).json()
    assert listed["items"] == [], listed

