"""Malformed or partial upstream JSON: bad events are skipped and logged, nothing crashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import MakeClient
from structlog.testing import capture_logs
from tm_fixtures import make_event
from tm_stub import StubTicketmaster, raw

from events_app.models import Event, parse_page


def test_page_without_embedded_is_an_empty_page() -> None:
    page = parse_page({"page": {"size": 20, "totalElements": 0, "totalPages": 0, "number": 0}})
    assert page.events == ()
    assert page.page is not None and page.page.totalPages == 0


@pytest.mark.parametrize("payload", [[], "events", 42, None])
def test_non_object_payload_is_rejected(payload: Any) -> None:
    with pytest.raises(ValueError):
        parse_page(payload)


@pytest.mark.parametrize("embedded", ["oops", {"events": "nope"}, {"events": {"0": {}}}, {"venues": []}])
def test_wrong_embedded_shapes_give_no_events(embedded: Any) -> None:
    assert parse_page({"_embedded": embedded, "page": "not-a-page"}).events == ()


def test_bad_events_are_skipped_and_logged() -> None:
    good = make_event("good")
    no_id = {k: v for k, v in make_event("x").items() if k != "id"}
    wrong_name = make_event("wrong-name") | {"name": {"en": "x"}}
    with capture_logs() as logs:
        page = parse_page({"_embedded": {"events": [no_id, "garbage", good, wrong_name, None]}})
    assert [e.id for e in page.events] == ["good"]
    skipped = [entry for entry in logs if entry["event"] == "skipped_malformed_event"]
    assert [entry["index"] for entry in skipped] == [0, 1, 3, 4]
    assert skipped[2]["event_id"] == "wrong-name" and skipped[2]["fields"] == ["name"]


def test_wrong_types_in_optional_parts_only_blank_those_parts() -> None:
    item = make_event("e1")
    item["priceRanges"] = "free"
    item["images"] = [{"ratio": "16_9"}, {"url": "https://x/ok.jpg", "width": "wide"}]
    item["dates"]["start"]["localDate"] = "someday"
    item["sales"]["public"]["startDateTime"] = 12
    item["_embedded"]["venues"][0]["city"] = ["New York"]
    event = Event.model_validate(item)
    assert event.priceRanges is None
    assert event.images is not None and event.images[0] is None
    assert event.images[1] is not None and event.images[1].width is None
    assert event.dates is not None and event.dates.start is not None and event.dates.start.localDate is None
    assert event.public_sale is not None and event.public_sale.startDateTime is None
    assert event.embedded is not None and event.embedded.venues and event.embedded.venues[0] is not None
    assert event.embedded.venues[0].city is None


def test_joda_local_time_object_is_accepted() -> None:
    item = make_event("e1")
    item["dates"]["start"]["localTime"] = {"hourOfDay": 19, "minuteOfHour": 30, "secondOfMinute": 0}
    event = Event.model_validate(item)
    assert event.dates and event.dates.start and str(event.dates.start.localTime) == "19:30:00"


def test_naive_sale_times_are_read_as_utc() -> None:
    item = make_event("e1", sale=("2026-01-01T10:00:00", None))
    event = Event.model_validate(item)
    assert event.public_sale and event.public_sale.startDateTime
    assert event.public_sale.startDateTime.utcoffset() is not None


async def test_app_serves_the_good_events_of_a_partly_bad_page(stub: StubTicketmaster, make_client: MakeClient) -> None:
    body = {
        "_embedded": {"events": [make_event("ok-a"), {"id": 7}, make_event("ok-b") | {"dates": "soon"}, []]},
        "page": {"size": 20, "totalElements": 4, "totalPages": 1, "number": 0},
    }
    stub.always = raw(json.dumps(body))
    client = await make_client()
    resp = await client.get("/api/events")
    assert resp.status == 200
    # ok-b lost its dates, so its status is unknown and it is not shown as for sale.
    assert [e["id"] for e in (await resp.json())["events"]] == ["ok-a"]


@pytest.mark.parametrize(
    "body", ["{not json", "[1, 2, 3]", '"events"', "\xff\xfe garbage", "<html>Service Unavailable</html>"]
)
async def test_unusable_body_is_a_502_not_a_crash(stub: StubTicketmaster, make_client: MakeClient, body: str) -> None:
    stub.always = raw(body.encode("latin-1"))
    client = await make_client()
    resp = await client.get("/api/events")
    assert resp.status == 502
    assert (await resp.json())["error"] == "upstream_unavailable"
    page = await client.get("/")
    assert page.status == 502
    assert "unavailable" in await page.text()


async def test_response_without_embedded_is_an_empty_list(make_client: MakeClient) -> None:
    client = await make_client()
    resp = await client.get("/api/events", params={"keyword": "no such event anywhere"})
    assert resp.status == 200
    assert (await resp.json())["events"] == []
    assert "No events for sale" in await (await client.get("/", params={"keyword": "nothing"})).text()
