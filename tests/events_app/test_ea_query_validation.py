"""Query options on /api/events: passed to the API when valid, 400 with field errors if not."""

from __future__ import annotations

import pytest
from conftest import MakeClient
from tm_stub import StubTicketmaster

# Every value the swagger's `sort` description lists for /events.
SWAGGER_SORTS = [
    "name,asc", "name,desc", "date,asc", "date,desc", "relevance,asc", "relevance,desc", "distance,asc",
    "name,date,asc", "name,date,desc", "date,name,asc", "date,name,desc", "onsaleStartDate,asc", "id,asc",
]  # fmt: skip


@pytest.mark.parametrize("path", ["/api/events"])  # the page answers with its form: test_ea_form_errors.py
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "price,asc"}, "sort"),
        ({"sort": "relevance"}, "sort"),
        ({"countryCode": "USA"}, "countryCode"),
        ({"countryCode": "1!"}, "countryCode"),
        ({"keyword": "x" * 201}, "keyword"),
        ({"classificationName": "y" * 101}, "classificationName"),
    ],
)
async def test_invalid_values_are_400_with_field_errors(
    make_client: MakeClient, stub: StubTicketmaster, path: str, params: dict[str, str], field: str
) -> None:
    client = await make_client()
    resp = await client.get(path, params=params)
    assert resp.status == 400
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["error"] == "invalid_query"
    assert list(body["fields"]) == [field]
    assert body["fields"][field] and all(isinstance(msg, str) for msg in body["fields"][field])
    assert stub.calls == []


async def test_repeated_single_value_parameter_is_400(make_client: MakeClient) -> None:
    client = await make_client()
    resp = await client.get("/api/events?sort=name,asc&sort=date,asc")
    assert resp.status == 400
    assert list((await resp.json())["fields"]) == ["sort"]


async def test_too_many_classifications_is_400(make_client: MakeClient) -> None:
    client = await make_client()
    resp = await client.get("/api/events", params=[("classificationName", f"c{n}") for n in range(11)])
    assert resp.status == 400


async def test_several_errors_are_reported_together(make_client: MakeClient) -> None:
    client = await make_client()
    resp = await client.get("/api/events", params={"sort": "bad", "countryCode": "bad"})
    assert set((await resp.json())["fields"]) == {"sort", "countryCode"}


async def test_valid_options_reach_the_api(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client()
    resp = await client.get(
        "/api/events?countryCode=gb&keyword=%20Lane%20&sort=name,desc"
        "&classificationName=Sports&classificationName=Music,Arts",
    )
    assert resp.status == 200
    sent = stub.calls[0].params
    assert sent["countryCode"] == "GB"
    assert sent["keyword"] == "Lane"
    assert sent["sort"] == "name,desc"
    assert sent.getall("classificationName") == ["Arts", "Music", "Sports"]


async def test_country_defaults_to_setting(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(ticketmaster_country_code="GB")
    body = await (await client.get("/api/events")).json()
    assert stub.calls[0].params["countryCode"] == "GB"
    assert "ok-10-gb" in [e["id"] for e in body["events"]]


async def test_sort_defaults_to_relevance_desc(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client()
    await client.get("/api/events")
    assert stub.calls[0].params["sort"] == "relevance,desc"


async def test_unknown_parameters_are_ignored(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client()
    assert (await client.get("/api/events", params={"utm_source": "mail", "apikey": "x"})).status == 200
    assert "utm_source" not in stub.calls[0].params
    assert stub.calls[0].params.getall("apikey") != ["x"]


@pytest.mark.parametrize("sort", SWAGGER_SORTS)
async def test_every_swagger_sort_is_accepted_upstream(
    make_client: MakeClient, stub: StubTicketmaster, sort: str
) -> None:
    client = await make_client(events_page_size=50)
    resp = await client.get("/api/events", params={"sort": sort})
    # The stub validates with the swagger's own pattern: a 200 means the API would take it too.
    assert resp.status == 200, await resp.text()
