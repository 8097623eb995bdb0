"""An EventSource-like reader of the API's /events, for tests that break things under it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import aiohttp

from tests.hardening.stack import REQUESTER


class Client:
    """An EventSource-like reader of /events: on a dropped stream it reconnects with Last-Event-ID."""

    def __init__(self, api: str, progress: asyncio.Condition, after: int | None = None) -> None:
        self.api = api
        self.progress = progress
        self.after = after  # where the first connection starts (-1: the whole log); None: the newest event
        self.ids: list[int] = []  # the events' ids, as dispatched
        self.last: int | None = None  # EventSource's last event id: an event's, or the stream's starting `id:` alone
        self.reconnects = 0

    async def run(self) -> None:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {REQUESTER}"}) as session:
            while True:
                resume = self.last if self.last is not None else self.after
                headers = {"Last-Event-ID": str(resume)} if resume is not None else {}
                try:
                    async with session.get(f"{self.api}/events", headers=headers) as response:
                        if response.status == 200:
                            async for event_id, dispatched in _ids(response):
                                self.last = event_id
                                if not dispatched:
                                    continue
                                self.ids.append(event_id)
                                async with self.progress:
                                    self.progress.notify_all()
                except aiohttp.ClientError:
                    pass
                self.reconnects += 1
                await asyncio.sleep(0.05)  # EventSource's retry delay; the server may still be starting


async def _ids(response: aiohttp.ClientResponse) -> AsyncIterator[tuple[int, bool]]:
    """Each id the stream sends, and whether an event came with it (the stream's start is an `id:` alone)."""
    fields: dict[str, str] = {}
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if line.startswith(":"):
            continue
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif fields:
            if "id" not in fields:
                # Live progress between logged events (README "Progress"): no id, so it never moves the
                # resume point; an EventSource dispatches it and keeps its Last-Event-ID.
                assert fields.get("event") == "progress", fields
            elif "data" not in fields:
                yield int(fields["id"]), False  # where the stream starts: nothing to dispatch
            else:
                assert json.loads(fields["data"])["offset"] == int(fields["id"])
                yield int(fields["id"]), True
            fields = {}


@contextlib.asynccontextmanager
async def reading(clients: list[Client]) -> AsyncIterator[None]:
    """The clients read /events for as long as the block runs."""
    readers = [asyncio.create_task(client.run(), name="sse-client") for client in clients]
    try:
        yield
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def reached(clients: list[Client], progress: asyncio.Condition, offset: int, timeout: float = 30.0) -> None:
    """Until every client has read up to `offset` (the log's last), reconnecting as it must."""
    async with asyncio.timeout(timeout), progress:
        await progress.wait_for(lambda: all(c.ids and c.ids[-1] >= offset for c in clients))
