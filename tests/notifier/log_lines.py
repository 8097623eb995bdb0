"""Log lines a test awaits, rather than polls for: structlog's capture, woken at each line logged."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import structlog

Line = MutableMapping[str, Any]


class Lines:
    def __init__(self) -> None:
        self.entries: list[Line] = []
        self._logged = asyncio.Event()

    def with_text(self, text: str) -> list[Line]:
        return [line for line in self.entries if text in line["event"]]

    async def until(self, holds: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not holds():
                self._logged = asyncio.Event()
                await self._logged.wait()

    def _seen(self, _logger: object, _method: str, event: Line) -> Line:
        # A processor: the line is captured right after, before the waiter wakes (logged on the loop's thread).
        self._logged.set()
        return event


@contextlib.contextmanager
def lines_logged() -> Iterator[Lines]:
    lines = Lines()
    with structlog.testing.capture_logs(processors=[lines._seen]) as entries:
        lines.entries = entries
        yield lines
