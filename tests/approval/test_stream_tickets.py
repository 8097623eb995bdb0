"""EventSource authenticates with a single-use, short-lived stream ticket, never the token in the URL."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.auth import Identity
from services.approval.tickets import StreamTickets
from tests.approval.conftest import REQUESTER, request_release
from tests.approval.sse import read_messages

Client = TestClient[web.Request, web.Application]


async def ticket(client: Client) -> str:
    response = await client.post("/events/tickets", headers=REQUESTER)
    assert response.status == 201 and response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["expires_in"] > 0
    return str(body["ticket"])


async def test_a_ticket_opens_one_stream_once(client: Client) -> None:
    release_id = (await request_release(client))["id"]
    once = await ticket(client)
    async with client.get(f"/releases/{release_id}/events?ticket={once}&last_event_id=-1") as response:
        assert response.status == 200
        assert [m.event for m in await read_messages(response, 1)] == ["requested"]
    again = await client.get(f"/events?ticket={once}")
    assert again.status == 401 and "ticket" in (await again.json())["error"]


async def test_a_ticket_is_good_for_streams_only_and_is_no_bearer_token(client: Client) -> None:
    for path in ("/releases", "/apps/demo"):
        assert (await client.get(f"{path}?ticket={await ticket(client)}")).status == 401, path
    as_bearer = await client.get("/events", headers={"Authorization": f"Bearer {await ticket(client)}"})
    assert as_bearer.status == 401
    assert (await client.post("/events/tickets")).status == 401  # a ticket needs a token


def test_a_ticket_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tickets = StreamTickets(ttl=30)
    ann = Identity("ann", frozenset())
    kept, lapsed = tickets.issue(ann), tickets.issue(ann)
    assert tickets.redeem(kept) == ann
    later = time.monotonic() + 31
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert tickets.redeem(lapsed) is None
    assert tickets.redeem("never-issued") is None
