"""A loopback subscriber: checks every signature, fails chosen attempts, counts what it accepted."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from services.shared.signing import SIGNATURE_HEADER, BadSignature, verify
from services.shared.timeouts import bounded


@dataclass
class Receiver:
    secret: str
    # event id (CloudEvent id) -> how many attempts to answer 500 before accepting; "*" for every event.
    failures: dict[str, int] = field(default_factory=dict)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    bad_signatures: int = 0
    # event id -> (status, headers) answered to its first attempts, in turn, before `failures` is asked; "*": any.
    scripted: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    signatures: list[str] = field(default_factory=list)  # each attempt's signature header, in order
    times: dict[str, list[float]] = field(default_factory=dict)  # event id -> when each attempt came (monotonic)
    # Waiters are plain futures under `bounded`, not asyncio.wait_for around an asyncio.Condition: the test that
    # waits 0.2 s up to fifty times hung for 300 s once in CI, after its delivery arrived (not reproduced in 70
    # runs here, idle or with both cores busy); wait_for's races on Python 3.11 are services/shared/timeouts.py's.
    _waiters: list[tuple[Callable[[], bool], asyncio.Future[None]]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            return self._answer(request, body)
        finally:
            self._wake()  # every attempt wakes the waiters, accepted or not

    def _answer(self, request: web.Request, body: bytes) -> web.Response:
        self.bodies.append(body)
        self.signatures.append(request.headers.get(SIGNATURE_HEADER, ""))
        try:
            verify(self.secret, body, request.headers.get(SIGNATURE_HEADER))
        except BadSignature:
            self.bad_signatures += 1
            return web.Response(status=401)
        document = json.loads(body)
        key = str(document.get("id", "slack"))
        self.attempts[key] += 1
        self.times.setdefault(key, []).append(time.monotonic())
        script = self.scripted.get(key, self.scripted.get("*", []))
        if self.attempts[key] <= len(script):
            status, headers = script[self.attempts[key] - 1]
            return web.Response(status=status, headers=headers)
        if self.attempts[key] <= self.failures.get(key, self.failures.get("*", 0)):
            return web.Response(status=500)
        self.accepted.append(document)
        return web.Response(status=204)

    def _wake(self) -> None:
        for done, waiter in self._waiters:
            if not waiter.done() and done():
                waiter.set_result(None)

    async def _until(self, done: Callable[[], bool], timeout: float) -> None:
        if done():
            return
        entry = (done, asyncio.get_running_loop().create_future())
        self._waiters.append(entry)
        try:
            await bounded(entry[1], timeout)
        finally:
            self._waiters.remove(entry)

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        await self._until(lambda: len(self.accepted) >= count, timeout)
        return list(self.accepted)

    async def wait_attempts(self, key: str, count: int, timeout: float = 20.0) -> None:
        """Until `key` has been attempted `count` times (accepted or not)."""
        await self._until(lambda: self.attempts[key] >= count, timeout)
