"""A bad search in the browser gets the page back with its form, the values as typed and what is wrong."""

from __future__ import annotations

import pytest
from conftest import MakeClient
from tm_stub import StubTicketmaster


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"countryCode": "USA", "sort": "bogus"}, "countryCode"),
        ({"sort": "price,asc"}, "sort"),
        ({"keyword": "x" * 201}, "keyword"),
        ({"classificationName": "y" * 101}, "classificationName"),
    ],
)
async def test_a_bad_query_answers_the_page_with_the_form_error(
    make_client: MakeClient, stub: StubTicketmaster, params: dict[str, str], field: str
) -> None:
    client = await make_client()
    resp = await client.get("/", params=params)
    assert resp.status == 400
    assert resp.content_type == "text/html"
    page = await resp.text()
    assert 'data-testid="form-errors"' in page
    assert f'data-field="{field}"' in page
    assert '<form method="get" action="/">' in page
    assert "Top 0" not in page and stub.calls == []


async def test_both_errors_are_listed_and_the_typed_values_kept(make_client: MakeClient) -> None:
    client = await make_client()
    page = await (await client.get("/", params={"countryCode": "USA", "sort": "bogus"})).text()
    assert 'data-field="countryCode"' in page and 'data-field="sort"' in page
    assert 'value="USA"' in page  # what the visitor typed, to correct
    assert 'value="bogus"' not in page  # an invalid sort is not offered back as a choice
    assert "use a two-letter country code, such as US, GB, CA or NZ" in page
    assert "String should match pattern" not in page  # validator wording is for /api/events


async def test_an_empty_result_is_not_called_top_0(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    page = await (await client.get("/", params={"countryCode": "JP"})).text()
    assert "No events for sale in JP" in page and "Top 0" not in page


async def test_sort_options_read_as_words(make_client: MakeClient) -> None:
    client = await make_client(ticketmaster_api_key=None)
    page = await (await client.get("/")).text()
    assert '<option value="onSaleStartDate,asc" >Recently on sale</option>' in page
    assert ">onSaleStartDate,asc<" not in page and ">relevance,desc<" not in page
