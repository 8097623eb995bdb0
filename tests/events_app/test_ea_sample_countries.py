"""The bundled sample has events for sale in the US, GB, CA and NZ (the original app's country), offline."""

from __future__ import annotations

import pytest
from conftest import MakeClient


@pytest.mark.parametrize("country", ["US", "GB", "CA", "NZ"])
async def test_each_country_has_events_for_sale(make_client: MakeClient, country: str) -> None:
    client = await make_client(ticketmaster_api_key=None, ticketmaster_country_code=country)
    body = await (await client.get("/api/events")).json()
    assert body["source"] == "sample"
    assert len(body["events"]) >= 2
    assert {e["country"] for e in body["events"]} == {country}
    page = await (await client.get("/")).text()
    assert f"events for sale in {country}</h1>" in page


async def test_no_sample_event_points_at_an_image_that_cannot_load(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    body = await (await client.get("/api/events")).json()
    assert body["events"] and all(e["image"] is None for e in body["events"])
    page = await (await client.get("/")).text()
    assert "<img" not in page and page.count('class="thumb"') == len(body["events"])
