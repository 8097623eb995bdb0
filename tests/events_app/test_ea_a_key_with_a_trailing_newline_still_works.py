"""A TICKETMASTER_API_KEY with a trailing newline was sent as `apikey=...%0A`: every call 401, the release never ready.

A Secret made from a file (`kubectl create secret generic --from-file`, `echo key > file`) ends in a newline; the key
was used as given, so a right key read as "The Ticketmaster API key is invalid". Whitespace around a key (or the
Redis URL) is never part of it: it is stripped.
"""

from __future__ import annotations

import pytest
from conftest import MakeClient
from tm_stub import API_KEY, StubTicketmaster

from events_app.settings import Settings


async def test_the_key_from_a_file_is_accepted_upstream(make_client: MakeClient, stub: StubTicketmaster) -> None:
    client = await make_client(ticketmaster_api_key=f"{API_KEY}\n")
    resp = await client.get("/api/events")
    assert resp.status == 200, await resp.text()
    assert (await client.get("/readyz")).status == 200
    assert stub.calls[0].params["apikey"] == API_KEY


def test_the_redis_url_from_a_file_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_REDIS_URL", "redis://cache:6379/0\r\n")
    settings = Settings()
    assert settings.events_redis_url is not None
    assert settings.events_redis_url.get_secret_value() == "redis://cache:6379/0"
