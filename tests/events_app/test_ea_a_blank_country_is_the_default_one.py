"""A blank countryCode was a 400 "use a two-letter country code", not the default country.

The page's form sends every field, and its Country field is optional (placeholder "US"): a visitor who cleared it
to search everywhere they could got the form back in error, and so did a client that sends `countryCode=` for "none",
while a blank keyword or category already meant none. A blank value of a single-value option is now the default.
"""

from __future__ import annotations

from conftest import MakeClient
from tm_stub import StubTicketmaster


async def test_the_form_with_a_cleared_country_searches_the_default_one(
    make_client: MakeClient, stub: StubTicketmaster
) -> None:
    client = await make_client(events_page_size=50, ticketmaster_country_code="GB")
    form = {"keyword": "", "countryCode": " ", "classificationName": "", "sort": "relevance,desc"}
    page = await client.get("/", params=form)
    assert page.status == 200
    assert "events for sale in GB</h1>" in await page.text()
    resp = await client.get("/api/events", params={"countryCode": "", "sort": "", "keyword": "Event"})
    assert resp.status == 200
    assert [(call.params["countryCode"], call.params["sort"]) for call in stub.calls] == \
        [("GB", "relevance,desc")] * 2


async def test_a_country_given_twice_is_still_refused_even_if_one_is_blank(make_client: MakeClient) -> None:
    client = await make_client()
    resp = await client.get("/api/events?countryCode=&countryCode=GB")
    assert resp.status == 400
    assert list((await resp.json())["fields"]) == ["countryCode"]
