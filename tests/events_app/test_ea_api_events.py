"""GET /api/events: the JSON contract."""

from __future__ import annotations

from conftest import MakeClient
from tm_fixtures import NOW, expected_top
from tm_stub import StubTicketmaster

EVENT_KEYS = {
    "id", "name", "url", "start", "status", "venue", "city", "country",
    "price_min", "price_max", "currency", "image",
}  # fmt: skip


async def test_envelope(make_client: MakeClient) -> None:
    client = await make_client()
    resp = await client.get("/api/events")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert set(body) == {"events", "fetched_at", "stale", "source", "colour", "version"}
    assert body["stale"] is False
    assert body["source"] == "ticketmaster"
    assert (body["colour"], body["version"]) == ("green", "0123abc")
    assert body["fetched_at"] == NOW.isoformat().replace("+00:00", "Z")


async def test_events_are_the_top_twenty_for_sale(stub: StubTicketmaster, make_client: MakeClient) -> None:
    client = await make_client()
    events = (await (await client.get("/api/events")).json())["events"]
    assert [e["id"] for e in events] == expected_top(stub.events)
    assert all(set(e) == EVENT_KEYS for e in events)
    assert all(e["status"] == "onsale" for e in events)


async def test_absent_values_are_null(make_client: MakeClient) -> None:
    client = await make_client()
    by_id = {e["id"]: e for e in (await (await client.get("/api/events")).json())["events"]}
    assert by_id["ok-06-no-price"]["price_min"] is None
    assert by_id["ok-06-no-price"]["currency"] is None
    assert by_id["ok-07-no-venue"]["venue"] is None and by_id["ok-07-no-venue"]["city"] is None
    assert by_id["ok-08-no-images"]["image"] is None
    assert by_id["ok-03-tba"]["start"] is None
    assert by_id["ok-04-tbd"]["start"] is None


async def test_start_is_iso_date_or_datetime(make_client: MakeClient) -> None:
    client = await make_client()
    by_id = {e["id"]: e for e in (await (await client.get("/api/events")).json())["events"]}
    assert by_id["ok-01"]["start"] == "2027-05-31T20:00:00"
    assert by_id["ok-05-time-tba"]["start"] == "2027-05-31"


async def test_unicode_survives_round_trip(make_client: MakeClient) -> None:
    client = await make_client()
    events = (await (await client.get("/api/events")).json())["events"]
    assert events[0]["name"] == "Beyoncé — Renaissance 🌍 Tour (Zürich ↔ São Paulo)"
    assert events[1]["name"].startswith("<script>")  # JSON carries data as is; escaping is the page's job


async def test_blue_colour_is_reported(make_client: MakeClient) -> None:
    client = await make_client(app_color="blue", app_version="feedbee")
    body = await (await client.get("/api/events")).json()
    assert (body["colour"], body["version"]) == ("blue", "feedbee")
