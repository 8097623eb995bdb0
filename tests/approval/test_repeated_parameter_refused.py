"""A single-valued parameter sent more than once is refused (422, naming it), not read as one of its values.

`GET /releases?app=a&app=b` listed app a's releases and `since` given twice measured from one of them: the caller
got an answer to a question it did not ask, with nothing to say so.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient
from multidict import CIMultiDict

from tests.approval.conftest import REQUESTER, request_release

Client = TestClient[web.Request, web.Application]
SINCE = "2026-01-01T00:00:00Z"


async def test_a_repeated_query_parameter_is_422_naming_it(client: Client) -> None:
    for path, query, name in (("/releases", [("app", "alpha"), ("app", "beta")], "app"),
                              ("/releases", [("limit", "5"), ("state", "live"), ("limit", "5")], "limit"),
                              ("/metrics/delivery", [("since", SINCE), ("since", SINCE)], "since")):
        response = await client.get(path, params=query, headers=REQUESTER)
        assert response.status == 422, (path, query)
        body = await response.json()
        assert body["fields"] == [{"loc": ["query", name], "msg": "given 2 times; give it once"}], body
        assert body["error"] == f"Invalid query.{name}: given 2 times; give it once.", body


async def test_a_repeated_header_parameter_is_422_naming_it(client: Client) -> None:
    headers = CIMultiDict(REQUESTER)
    headers.add("Last-Event-ID", "1")
    headers.add("Last-Event-ID", "2")
    response = await client.get("/events", headers=headers)
    assert response.status == 422
    assert (await response.json())["fields"][0]["loc"] == ["header", "Last-Event-ID"]


async def test_each_parameter_once_and_unknown_ones_repeated_still_answer(client: Client) -> None:
    alpha = await request_release(client, app="alpha")
    await request_release(client, app="beta")
    query = [("app", "alpha"), ("limit", "5"), ("_", "1"), ("_", "2")]  # cache-busters may repeat
    page = await (await client.get("/releases", params=query, headers=REQUESTER)).json()
    assert [item["id"] for item in page["items"]] == [alpha["id"]]
    delivery = await client.get("/metrics/delivery", params={"since": SINCE, "app": "alpha"}, headers=REQUESTER)
    assert delivery.status == 200
