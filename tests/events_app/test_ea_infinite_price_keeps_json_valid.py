"""A price of `1e999` (valid JSON: the grammar sets no bound) made /api/events answer invalid JSON.

Python reads 1e999 as float('inf') and pydantic's float accepts it; `json.dumps` then wrote the bare token
`Infinity` into /api/events, which no JSON parser other than Python's accepts (the browser's JSON.parse
throws, so the whole list was lost to a script), and the page showed "USD inf". NaN from a lenient encoder
did the same. A price that is not a finite number is now dropped like any other malformed optional part.
"""

from __future__ import annotations

import json

from conftest import MakeClient
from tm_fixtures import make_event
from tm_stub import StubTicketmaster, raw


def _strict(text: str) -> object:
    def refuse(token: str) -> None:
        raise ValueError(f"{token} is not JSON")

    return json.loads(text, parse_constant=refuse)


async def test_an_infinite_price_is_dropped(stub: StubTicketmaster, make_client: MakeClient) -> None:
    priced = make_event("ok-huge-price")
    priced["priceRanges"] = [{"type": "standard", "currency": "USD", "min": 1e999, "max": 50.0}]
    body = json.dumps({"_embedded": {"events": [priced]},
                       "page": {"size": 20, "totalElements": 1, "totalPages": 1, "number": 0}})
    stub.always = raw(body.replace("Infinity", "1e999"))  # what a real encoder sends for a huge number
    client = await make_client()
    resp = await client.get("/api/events")
    assert resp.status == 200
    events = _strict(await resp.text())["events"]  # type: ignore[index]
    assert [(e["id"], e["price_min"], e["price_max"]) for e in events] == [("ok-huge-price", None, 50.0)]
    page = await (await client.get("/")).text()
    assert "USD 50.00" in page and "inf" not in page
