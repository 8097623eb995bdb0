"""A JSON number of more digits than Python converts (4,300: `sys.get_int_max_str_digits`) is valid JSON, but the
parser's ValueError made it a 400 "The request body is not valid JSON.", naming nothing. It is a 422 naming the field
that holds it (the innermost key: an object's parser knows no parents; or the body), and nothing is recorded."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.approval.conftest import REQUESTER

Client = TestClient[web.Request, web.Application]
SHA = "0123456789abcdef0123456789abcdef01234567"
LONG = "9" * 5000
GOOD = '"app": "demo", "repository": "https://example.org/demo.git", "commit": "' + SHA + '"'


@pytest.mark.parametrize(("raw", "loc"), [
    ("{" + GOOD + ', "app_version": ' + LONG + "}", ["body", "app_version"]),
    ("{" + GOOD + ', "tags": [1, -' + LONG + "]}", ["body", "tags"]),
    ("{" + GOOD + ', "extra": {"deep": ' + LONG + "}}", ["body", "deep"]),
    (LONG, ["body"]),
    ("[" + LONG + "]", ["body"]),
    ("[[1], [" + LONG + "]]", ["body"]),
    ("{" + GOOD + ", \"tags\": [[" + LONG + "]]}", ["body", "tags"]),
])
async def test_a_number_too_long_is_refused_naming_where_it_is(client: Client, raw: str, loc: list[str]) -> None:
    response = await client.post("/releases", data=raw.encode(),
                                 headers={**REQUESTER, "Content-Type": "application/json"})
    body = await response.json()
    assert response.status == 422, body
    assert body["fields"] == [{"loc": loc, "msg": "a number of 5000 digits; no field takes one so long"}], body
    listed = await (await client.get("/releases", headers=REQUESTER)).json()
    assert listed["items"] == [], listed


async def test_a_number_within_the_bound_is_read_as_usual(client: Client) -> None:
    raw = "{" + GOOD + ', "unknown": ' + "9" * 4300 + "}"
    response = await client.post("/releases", data=raw.encode(),
                                 headers={**REQUESTER, "Content-Type": "application/json"})
    body = await response.json()
    assert response.status == 422, body  # an unknown field, named as such: the number itself was read
    assert body["fields"][0]["loc"] == ["body", "unknown"], body
