"""The request metrics' `method` label is one of the standard methods or `other`, whatever the client sends.

It was the method as sent: aiohttp's C parser takes ~46 methods, and its pure-Python parser (AIOHTTP_NO_EXTENSIONS=1)
any token, so an unauthenticated caller could make a new series per request, unbounded, for the process's life.
"""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import http_parser, web, web_protocol
from aiohttp.test_utils import TestClient

from tests.approval.test_health_and_metrics import samples

Client = TestClient[web.Request, web.Application]


async def raw_request(client: Client, method: str) -> bytes:
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(f"{method} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()


def request_series(found: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[tuple[str, str], float]:
    """(method, route) -> count, of the requests other than the scrapes."""
    series = [(dict(labels), value) for (name, labels), value in found.items()
              if name == "greenlight_http_requests_total"]
    return {(labels["method"], labels["route"]): value for labels, value in series if labels["route"] != "/metrics"}


@pytest.mark.parametrize("python_parser", [True, False], ids=["pure-python-parser", "c-parser"])
async def test_methods_outside_the_standard_set_count_as_other(
        client: Client, monkeypatch: pytest.MonkeyPatch, python_parser: bool) -> None:
    if python_parser:  # as AIOHTTP_NO_EXTENSIONS=1 runs it: a parser per connection, made from this name
        monkeypatch.setattr(web_protocol, "HttpRequestParser", http_parser.HttpRequestParserPy)
    made_up = ["BREW", "X-SERIES-1", "X-SERIES-2"] if python_parser else ["PROPFIND", "PURGE", "MKCOL"]
    for method in [*made_up, "GET"]:
        assert (await raw_request(client, method)).startswith(b"HTTP/1.1 "), method
    series = request_series(await samples(client))
    # A method /healthz does not take is answered 405, unmatched to any route.
    assert series == {("GET", "/healthz"): 1, ("other", "unmatched"): 3}, series
