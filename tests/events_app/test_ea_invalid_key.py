"""401 Invalid ApiKey: a clear, 502-class message on the page and in the JSON."""

from __future__ import annotations

from conftest import FakeClock, MakeClient
from tm_stub import StubTicketmaster, invalid_key


async def test_json_says_the_key_is_invalid(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key="wrong-key")
    resp = await client.get("/api/events")
    assert resp.status == 502
    body = await resp.json()
    assert body["error"] == "invalid_api_key"
    assert "invalid" in body["message"] and "TICKETMASTER_API_KEY" in body["message"]
    assert (body["colour"], body["version"]) == ("green", "0123abc")


async def test_page_says_the_key_is_invalid(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key="wrong-key")
    resp = await client.get("/")
    assert resp.status == 502
    assert resp.content_type == "text/html"
    text = await resp.text()
    assert "API key is invalid" in text and "TICKETMASTER_API_KEY" in text
    assert 'data-error="invalid_api_key"' in text
    assert "banner-green" in text


async def test_a_revoked_key_is_not_hidden_behind_stale_data(
    make_client: MakeClient, stub: StubTicketmaster, clock: FakeClock
) -> None:
    client = await make_client(events_page_size=50)
    assert (await client.get("/api/events")).status == 200
    clock.advance(61)
    stub.script.append(invalid_key())
    resp = await client.get("/api/events")
    assert resp.status == 502
    assert (await resp.json())["error"] == "invalid_api_key"
