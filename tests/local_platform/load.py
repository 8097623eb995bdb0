"""A steady HTTP load through the proxy (loopback only): every answer is recorded with the colour that
served it, so a test can count failures and see when a switch became visible."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType

import aiohttp


@dataclass
class Answer:
    at: float  # time.monotonic() when the answer arrived
    status: int | None  # None: no HTTP answer at all (connection refused, reset, timeout)
    colour: str | None
    error: str | None = None


@dataclass
class Load:
    url: str
    host: str
    rate: float = 200.0  # requests per second, started on a fixed schedule whatever the answers do
    concurrency: int = 64
    max_requests: int = 100_000
    answers: list[Answer] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Load:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.concurrency),
                                              timeout=aiohttp.ClientTimeout(total=10))
        self._requests: set[asyncio.Task[None]] = set()
        self._driver = asyncio.create_task(self._drive())
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._stop.set()
        await self._driver
        await asyncio.gather(*self._requests)
        await self._session.close()

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while not self._stop.is_set() and len(self._requests) + len(self.answers) < self.max_requests:
            task = asyncio.create_task(self._one())
            self._requests.add(task)
            task.add_done_callback(self._requests.discard)
            due += 1.0 / self.rate
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def _one(self) -> None:
        try:
            async with self._session.get(self.url, headers={"Host": self.host}) as response:
                await response.read()
                answer = Answer(time.monotonic(), response.status, response.headers.get("X-Greenlight-Colour"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            answer = Answer(time.monotonic(), None, None, repr(exc))
        async with self._arrived:
            self.answers.append(answer)
            self._arrived.notify_all()

    async def first_from(self, colour: str, after: float, timeout: float = 15.0) -> float:
        """When the first answer served by `colour` arrived after `after` (time.monotonic())."""
        def seen() -> float | None:
            return next((a.at for a in self.answers if a.at > after and a.colour == colour), None)

        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: seen() is not None)
        found = seen()
        assert found is not None
        return found

    @property
    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status != 200]

    def by_colour(self) -> Counter[str | None]:
        return Counter(a.colour for a in self.answers)
