"""A loopback HTTP check target whose answers the test scripts: good, bad, flapping, slow, inconclusive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from aiohttp import web

ANSWERS = {
    "good": (200, {"ok": True, "error_rate": 0.01}),
    "bad": (500, {"ok": False}),
    "wrong": (200, {"ok": True, "error_rate": 0.5}),   # right status, a value meeting the failure condition
    "inconclusive": (200, {"ok": True, "error_rate": 0.07}),  # between the success and failure conditions
    "missing": (200, {"ok": True}),  # nothing at the JSONPath
    # Values a numeric condition cannot judge: one per instance, a number sent as text, none.
    "several": (200, {"ok": True, "error_rate": [0.5, 0.01]}),
    "text": (200, {"ok": True, "error_rate": "0.5"}),
    "null": (200, {"ok": True, "error_rate": None}),
}


class ScriptedTarget:
    """Answers GET /check from a script, one entry per request; the last entry repeats. "slow" holds the
    request until the test releases it (or the client gives up), so no timing is guessed."""

    def __init__(self, *script: str) -> None:
        self.script: Iterator[str] = iter(script)
        self.last = script[-1]
        self.served: list[str] = []
        self.served_at: list[float] = []  # time.monotonic() as each answer was made
        self.hosts: list[str] = []
        self.release_slow = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_get("/check", self._check)

    def play(self, *script: str) -> None:
        self.script, self.last = iter(script), script[-1]

    async def _check(self, request: web.Request) -> web.Response:
        kind = next(self.script, self.last)
        self.served.append(kind)
        self.hosts.append(request.host)
        if kind == "slow":
            await self.release_slow.wait()
            kind = "good"
        status, body = ANSWERS[kind]
        self.served_at.append(time.monotonic())
        return web.json_response(body, status=status)
