"""Stream tickets: how a browser's EventSource (which cannot send headers) authenticates a stream
without the bearer token in a URL, where proxies and browser history would keep it.

`POST /events/tickets` (bearer token in the header) answers a random ticket that is good for one
stream request, for `GREENLIGHT_API_STREAM_TICKET_TTL` seconds, and for nothing but the event streams.
Tickets live in the read model's database (only their sha256, the identity and the expiry), so any API
replica redeems what any other issued, and exactly once: redeeming is one `DELETE … RETURNING`, which
only one of several concurrent requests can win. Chosen over a signed, stateless ticket because that
would need a secret shared by the replicas and could only bound replay by its TTL, not prevent it.
Expiry compares wall clocks of the replicas (and database): keep them in sync (NTP); the TTL is short.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from services.approval.auth import Identity
from services.approval.settings import Role
from services.shared.db.engine import writing
from services.shared.db.schema import greenlight_stream_tickets as tickets
from services.shared.release import utcnow


class StreamTickets:
    def __init__(self, engine: AsyncEngine, ttl: float, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock

    async def issue(self, identity: Identity) -> str:
        now = self.clock()
        ticket = secrets.token_urlsafe(32)
        async with writing(self.engine) as connection:
            # Unredeemed tickets go once expired, by whoever issues next: no sweeper task to run.
            await connection.execute(sa.delete(tickets).where(tickets.c.expires_at < now))
            await connection.execute(sa.insert(tickets).values(
                digest=_digest(ticket), name=identity.name, roles=",".join(sorted(identity.roles)),
                expires_at=now + timedelta(seconds=self.ttl)))
        return ticket

    async def redeem(self, ticket: str) -> Identity | None:
        """The identity the ticket stands for, once; None when unknown, used or expired."""
        async with writing(self.engine) as connection:
            found = (await connection.execute(sa.delete(tickets).where(tickets.c.digest == _digest(ticket))
                                              .returning(tickets.c.name, tickets.c.roles,
                                                         tickets.c.expires_at))).one_or_none()
        if found is None or _aware(found.expires_at) < self.clock():
            return None
        return Identity(found.name, frozenset(Role(role) for role in found.roles.split(",") if role))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "replace")).hexdigest()


TICKETS = web.AppKey("stream_tickets", StreamTickets)
