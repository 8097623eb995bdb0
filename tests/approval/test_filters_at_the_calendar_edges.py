"""Times at the edge of the calendar are filters like any other, not server errors.

`0001-01-01T00:00:00+01:00` is valid RFC 3339, but in UTC (how the database stores and compares times) it falls
before year 1, which Python cannot express: the conversion used to fail inside the query (500). Such a time is
before (or, at the other end, after) every time there is, so it filters as the first (or last) one; a cursor naming
such a time is one this API never handed out (404, as any forged cursor).
"""

from __future__ import annotations

import base64

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.approval.conftest import REQUESTER, request_release

Client = TestClient[web.Request, web.Application]


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_a_filter_with_no_utc_equivalent_is_the_first_or_last_time(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    for since, until, found in (("0001-01-01T00:00:00+01:00", None, [release_id]),
                                (None, "9999-12-31T23:59:59-01:00", [release_id]),
                                ("9999-12-31T23:59:59-01:00", None, []),
                                (None, "0001-01-01T00:00:00+01:00", [])):
        params = {name: value for name, value in (("since", since), ("until", until)) if value is not None}
        response = await client.get("/releases", params=params, headers=REQUESTER)
        assert response.status == 200, (params, await response.text())
        assert [r["id"] for r in (await response.json())["items"]] == found, params
    response = await client.get("/metrics/delivery", params={"since": "0001-01-01T00:00:00+01:00"},
                                headers=REQUESTER)
    assert response.status == 200, await response.text()


async def test_the_edges_in_utc_still_filter(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    response = await client.get("/releases", params={"since": "0001-01-01T00:00:00Z",
                                                     "until": "9999-12-31T23:59:59Z"}, headers=REQUESTER)
    assert response.status == 200, await response.text()
    assert [r["id"] for r in (await response.json())["items"]] == [release_id]


async def test_a_cursor_with_no_utc_equivalent_names_no_page(client: Client) -> None:
    await request_release(client)
    response = await client.get("/releases", params={"cursor": cursor_of("0001-01-01T00:00:00+01:00|x")},
                                headers=REQUESTER)
    assert response.status == 404, await response.text()
    assert "cursor" in (await response.json())["error"]
