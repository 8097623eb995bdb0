"""EventSource authenticates with a single-use, short-lived stream ticket, never the token in the URL."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.auth import Identity
from services.approval.settings import Role
from services.approval.tickets import StreamTickets
from services.shared.db.engine import open_engine
from services.shared.db.migrate import migrate
from services.shared.db.settings import DatabaseSettings
from services.shared.release import utcnow
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


async def test_a_ticket_expires(database_url: str) -> None:
    engine = open_engine(DatabaseSettings())
    try:
        await migrate(engine)
        now = utcnow()
        tickets = StreamTickets(engine, ttl=30, clock=lambda: now)
        ann = Identity("ann", frozenset({Role.APPROVER}))
        kept, lapsed = await tickets.issue(ann), await tickets.issue(ann)
        assert await tickets.redeem(kept) == ann
        tickets.clock = lambda: now + timedelta(seconds=31)
        assert await tickets.redeem(lapsed) is None
        assert await tickets.redeem("never-issued") is None
    finally:
        await engine.dispose()
