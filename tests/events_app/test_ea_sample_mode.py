"""No key configured: the bundled sample, in the exact Discovery shape, marked as such."""

from __future__ import annotations

from collections import Counter

from conftest import MakeClient
from tm_stub import StubTicketmaster

from events_app.models import parse_page
from events_app.sample import load_sample


def test_bundled_sample_has_the_discovery_shape() -> None:
    payload = load_sample()
    assert set(payload) == {"_embedded", "_links", "page"}
    events = payload["_embedded"]["events"]
    assert 25 <= len(events) <= 45
    assert payload["page"]["totalElements"] == len(events)
    for event in events:
        assert event["type"] == "event"
        assert {"id", "name", "url", "dates", "sales", "_embedded"} <= set(event)
        assert event["dates"]["status"]["code"] in {
            "onsale",
            "offsale",
            "canceled",
            "postponed",
            "rescheduled",
        }
        assert event["_embedded"]["venues"][0]["country"]["countryCode"]
    # Every event survives the same parser live pages go through.
    assert len(parse_page(payload).events) == len(events)


def test_sample_has_events_that_are_not_for_sale() -> None:
    codes = Counter(e["dates"]["status"]["code"] for e in load_sample()["_embedded"]["events"])
    assert codes["onsale"] >= 20
    assert {"offsale", "canceled", "postponed", "rescheduled"} <= set(codes)


async def test_no_key_serves_the_sample(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(ticketmaster_api_key=None)
    body = await (await client.get("/api/events")).json()
    assert body["source"] == "sample"
    assert body["stale"] is False
    assert len(body["events"]) == 20
    assert {e["status"] for e in body["events"]} == {"onsale"}
    assert {e["country"] for e in body["events"]} == {"US"}
    assert stub.calls == []


async def test_sample_excludes_sales_that_are_not_open(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    names = {e["name"] for e in (await (await client.get("/api/events")).json())["events"]}
    assert "Velvet Static \N{EN DASH} Presale Only Date" not in names  # public sale opens in 2027
    assert "Winter Classic Warm-Up Skate" not in names  # public sale closed
    assert "Boston Red Sox Spring Open House" not in names  # offsale


async def test_sample_honours_query_options(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    gb = await (await client.get("/api/events", params={"countryCode": "GB"})).json()
    assert [e["city"] for e in gb["events"]] == ["London", "Edinburgh", "Liverpool"]
    sports = await (await client.get("/api/events", params={"classificationName": "sports"})).json()
    assert sports["events"] and all(" vs. " in e["name"] for e in sports["events"])
    by_name = await (await client.get("/api/events", params={"sort": "name,asc", "keyword": "the"})).json()
    names = [e["name"] for e in by_name["events"]]
    assert names == sorted(names, key=str.casefold)
    assert all("the" in name.lower() for name in names)


async def test_page_says_it_is_the_sample(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    text = await (await client.get("/")).text()
    assert "bundled sample" in text
    assert "Source: sample" in text
