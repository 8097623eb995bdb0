"""A Joda `localTime` object whose parts are not integers cost the whole page, not just that time.

The swagger documents `dates.start.localTime` as a Joda LocalTime object (`hourOfDay`, `minuteOfHour`,
`secondOfMinute`: int32). `_joda_time` handed the parts to `datetime.time` as they came, and a null or a
string there raised TypeError, which pydantic does not turn into a validation error: the lenient parser
("a wrong type in one optional part must not cost us the whole event") let it escape parse_page, and every
visitor got a 500 instead of the top 20 (and no stale data either, TypeError not being an upstream error).
The odd time is now dropped like any other malformed optional part: the event shows its date alone.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import MakeClient
from tm_fixtures import make_event
from tm_stub import StubTicketmaster, raw

ODD_TIMES = [{"hourOfDay": None}, {"hourOfDay": "19", "minuteOfHour": 30}, {"hourOfDay": 19, "minuteOfHour": 1.5},
             {"hourOfDay": True}, {"hourOfDay": 25}]


@pytest.mark.parametrize("local_time", ODD_TIMES)
async def test_an_odd_local_time_loses_only_the_time(
    stub: StubTicketmaster, make_client: MakeClient, local_time: dict[str, Any]
) -> None:
    odd = make_event("ok-odd-time")
    odd["dates"]["start"]["localTime"] = local_time
    del odd["dates"]["start"]["dateTime"]
    body = {"_embedded": {"events": [make_event("ok-a"), odd]},
            "page": {"size": 20, "totalElements": 2, "totalPages": 1, "number": 0}}
    stub.always = raw(json.dumps(body))
    client = await make_client()
    resp = await client.get("/api/events")
    assert resp.status == 200
    events = {event["id"]: event for event in (await resp.json())["events"]}
    assert list(events) == ["ok-a", "ok-odd-time"]
    assert events["ok-odd-time"]["start"] == "2027-05-31"  # the date stands, the time is unknown
    assert (await client.get("/")).status == 200
