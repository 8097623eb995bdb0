"""A robust AMQP connection given every node of a RabbitMQ cluster, tried in turn on (re)connect.

aio-pika's `RobustConnection` reconnects to its one URL only (aio-pika #141 is still open; PR #680, a
round-robin subclass, was not merged), so a client of a 3-node cluster would wait for the node it lost
instead of moving to one that runs. This subclass keeps everything the robust connection does (channels,
consumers and declarations restored after a reconnect) and changes one thing: each connection attempt is
one pass over the addresses, starting after the one that was last connected, the way the Java client's
address list and pika's list of parameters behave. The first connect therefore fails only when no
address answers (then `runtime` prints the start-up line naming AMQP_URL).

It overrides the robust connection's private `__connect_transport` (name-mangled), the single place an
attempt is made; tests/shared/test_multihost_connection.py pins that behaviour against the installed
aio-pika.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from aio_pika import RobustConnection
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from aiormq.exceptions import ProbableAuthenticationError, ProtocolSyntaxError
from yarl import URL

from services.shared.redact import redact_url

log = structlog.get_logger(__name__)
# What a node that answered said to refuse the connection: the same with every node, unlike a node's absence.
REFUSALS = (ProbableAuthenticationError, ProtocolSyntaxError)


class MultiHostConnection(RobustConnection):
    """A `RobustConnection` over several addresses; the query parameters of the first one apply to all (a parameter
    an address gives itself wins for that address)."""

    def __init__(self, urls: Sequence[str], **kwargs: Any) -> None:
        if not urls:
            raise ValueError("MultiHostConnection needs at least one URL")
        first, *rest = (URL(url) for url in urls)
        # aio-pika takes its own parameters (reconnect_interval) from the first URL, but aiormq reads `heartbeat` (and
        # its other parameters) from the URL it connects to: a node listed without them ran on the 60 s default.
        self.urls = [first, *(url.with_query({**first.query, **url.query}) for url in rest)]
        self._current = -1  # the index of the address connected last; the next attempt starts after it
        super().__init__(self.urls[0], **kwargs)

    async def _RobustConnection__connect_transport(self) -> None:  # overrides the one attempt, by its mangled name
        connect_once = super()._RobustConnection__connect_transport  # type: ignore[misc]
        errors: list[BaseException] = []
        for step in range(1, len(self.urls) + 1):
            index = (self._current + step) % len(self.urls)
            self.url = self.urls[index]
            try:
                await connect_once()
            except CONNECTION_EXCEPTIONS as exc:
                log.info("broker address did not answer", url=redact_url(str(self.url)), error=repr(exc)[:200])
                errors.append(exc)
                continue
            if self._current != index and len(self.urls) > 1:
                log.info("connected to broker address", url=redact_url(str(self.url)))
            self._current = index
            return
        raise most_telling(errors)


def most_telling(errors: Sequence[BaseException]) -> BaseException:
    """A node's refusal (of the password, or of the vhost) over another node's silence, whichever was tried last:
    the start-up line (startup.broker_error) then names the setting to fix, not the brokers to start."""
    return next((exc for exc in errors if isinstance(exc, REFUSALS)), errors[-1])
