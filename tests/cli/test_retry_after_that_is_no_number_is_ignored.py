"""A `Retry-After` of a digit Python's `float` does not read crashed every command with a traceback.

The client took a Retry-After as seconds when `str.isdigit()` said so; that is also true of `²` and other Unicode
digits (a proxy or a broken server's header, read as Latin-1), and `float("²")` raised ValueError past every
handler. Only ASCII digits are seconds now; anything else is no Retry-After, and the error is the answer's own."""

from __future__ import annotations

import httpx
import pytest

from services.cli.client import ApiError, GreenlightClient


@pytest.mark.parametrize("header", [b"\xb2", "\u00b9\u00b2".encode(), "\u2460".encode()])
def test_a_retry_after_of_unicode_digits_is_no_traceback(header: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(
        503, headers=[(b"Retry-After", header), (b"Content-Type", b"application/json")],
        content=b'{"error": "the database is away"}'))
    with GreenlightClient("http://greenlight.test", "t", transport=transport) as client, \
            pytest.raises(ApiError) as err:
        client.get_release("r1")
    assert (str(err.value), err.value.status, err.value.retry_after) == ("the database is away", 503, None)


def test_ascii_seconds_are_still_read() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(
        429, headers={"Retry-After": " 7 "}, json={"error": "too many streams"}))
    with GreenlightClient("http://greenlight.test", "t", transport=transport) as client, \
            pytest.raises(ApiError) as err:
        client.get_release("r1")
    assert err.value.retry_after == 7.0
