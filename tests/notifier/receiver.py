"""A loopback subscriber: checks every signature, fails chosen attempts, counts what it accepted."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from services.shared.signing import SIGNATURE_HEADER, BadSignature, verify


@dataclass
class Receiver:
    secret: str
    # event id (CloudEvent id) -> how many attempts to answer 500 before accepting; "*" for every event.
    failures: dict[str, int] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        async with self._changed:
            self._changed.notify_all()  # every attempt wakes the waiters, accepted or not
            self.bodies.append(body)
            try:
                verify(self.secret, body, request.headers.get(SIGNATURE_HEADER))
            except BadSignature:
                self.bad_signatures += 1
                return web.Response(status=401)
            document = json.loads(body)
            key = str(document.get("id", "slack"))
            self.attempts[key] += 1
            if self.attempts[key] <= self.failures.get(key, self.failures.get("*", 0)):
                return web.Response(status=500)
            self.accepted.append(document)
            return web.Response(status=204)

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.accepted) >= count), timeout)
        return list(self.accepted)

    async def wait_attempts(self, key: str, count: int, timeout: float = 20.0) -> None:
        """Until `key` has been attempted `count` times (accepted or not)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.attempts[key] >= count), timeout)
