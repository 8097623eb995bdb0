"""GET /: the page, its banner, and escaping of names from upstream."""

from __future__ import annotations

from conftest import MakeClient
from markupsafe import escape
from tm_fixtures import HTML_NAME, UNICODE_NAME


async def page(make_client: MakeClient, **overrides: str) -> str:
    client = await make_client(**overrides)
    resp = await client.get("/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    return await resp.text()


async def test_banner_shows_colour_and_version(make_client: MakeClient) -> None:
    text = await page(make_client, app_color="blue", app_version="c0ffee1")
    assert 'class="banner banner-blue"' in text
    assert 'data-colour="blue"' in text and 'data-version="c0ffee1"' in text
    assert "c0ffee1" in text


async def test_html_special_characters_are_escaped(make_client: MakeClient) -> None:
    text = await page(make_client)
    assert HTML_NAME not in text
    assert "<script>alert" not in text
    assert str(escape(HTML_NAME)) in text


async def test_unicode_names_render(make_client: MakeClient) -> None:
    assert UNICODE_NAME in await page(make_client)


async def test_event_details(make_client: MakeClient) -> None:
    text = await page(make_client)
    assert text.count('<li class="event"') == 20
    assert '<a href="https://www.ticketmaster.com/event/ok-01">' in text
    assert '<time datetime="2027-05-31T20:00:00">2027-05-31 20:00</time>' in text
    assert "Madison Square Garden, New York" in text
    assert "USD 45.00 \N{EN DASH} 120.50" in text
    assert '<img src="https://s1.ticketm.net/dam/ok-01_16_9.jpg"' in text


async def test_tba_and_tbd_dates_are_said_so(make_client: MakeClient) -> None:
    text = await page(make_client)
    assert "<time>Date TBA</time>" in text
    assert "<time>Date TBD</time>" in text
    assert "2027-05-31, time TBA" in text


async def test_missing_parts_leave_no_trace(make_client: MakeClient) -> None:
    text = await page(make_client)
    assert "None" not in text
    no_images = text.split('data-id="ok-08-no-images"')[1].split("</li>")[0]
    assert "<img" not in no_images
    no_price = text.split('data-id="ok-06-no-price"')[1].split("</li>")[0]
    assert 'class="price"' not in no_price


async def test_search_form_echoes_the_query_escaped(make_client: MakeClient) -> None:
    client = await make_client()
    text = await (await client.get("/", params={"keyword": '"><b>x', "sort": "name,desc"})).text()
    assert 'value="&#34;&gt;&lt;b&gt;x"' in text
    assert '<option value="name,desc" selected>' in text
