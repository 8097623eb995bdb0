"""Stream tickets: how a browser's EventSource (which cannot send headers) authenticates a stream
without the bearer token in a URL, where proxies and browser history would keep it.

`POST /events/tickets` (bearer token in the header) answers a random ticket that is good for one
stream request, for `GREENLIGHT_API_STREAM_TICKET_TTL` seconds, and for nothing but the event streams.
Only its sha256 is kept. Tickets live in the process that issued them: behind several API replicas the
ticket POST and the stream GET need the same replica (sticky sessions), or the CLI's header auth.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict

from aiohttp import web

from services.approval.auth import Identity

MAX_OUTSTANDING = 10_000  # unredeemed tickets kept; the oldest go first beyond it


class StreamTickets:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._issued: OrderedDict[str, tuple[Identity, float]] = OrderedDict()

    def issue(self, identity: Identity) -> str:
        now = time.monotonic()
        while self._issued and (len(self._issued) >= MAX_OUTSTANDING or next(iter(self._issued.values()))[1] < now):
            self._issued.popitem(last=False)
        ticket = secrets.token_urlsafe(32)
        self._issued[_digest(ticket)] = (identity, now + self.ttl)
        return ticket

    def redeem(self, ticket: str) -> Identity | None:
        """The identity the ticket stands for, once; None when unknown, used or expired."""
        found = self._issued.pop(_digest(ticket), None)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "replace")).hexdigest()


TICKETS = web.AppKey("stream_tickets", StreamTickets)

