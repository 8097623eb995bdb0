"""A test awaits the notifier's delivery records as they are written, rather than polling their table."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from services.notifier.records import DeliveryRecords


class RecordsWritten:
    """Wakes at each record the notifier settles (`attempted`, `orphaned`), once it is written."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.written = asyncio.Condition()
        for name in ("attempted", "orphaned"):
            monkeypatch.setattr(DeliveryRecords, name, self._signalling(getattr(DeliveryRecords, name)))

    def _signalling(self, write: Callable[..., Awaitable[bool]]) -> Callable[..., Awaitable[bool]]:
        async def written(records: DeliveryRecords, *args: Any, **kwargs: Any) -> bool:
            done = await write(records, *args, **kwargs)  # whether it wrote: the notifier acts on it
            async with self.written:
                self.written.notify_all()
            return done
        return written

    async def until(self, holds: Callable[[], Awaitable[bool]], timeout: float) -> None:
        """Until `holds()`, asked again after each record written. The condition is held from the question to the
        wait, so a record written in between is not missed."""
        async with asyncio.timeout(timeout), self.written:
            while not await holds():
                await self.written.wait()


@pytest.fixture
def records_written(monkeypatch: pytest.MonkeyPatch) -> RecordsWritten:
    return RecordsWritten(monkeypatch)
