"""Two API replicas on one database, made to race on recording a release's next event."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.handlers import DESK
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState

Client = TestClient[web.Request, web.Application]
RACE_TIMEOUT = 10


def all_before_recording(states: Collection[ReleaseState], *replicas: Client) -> None:
    """Hold each replica's record of an event in `states` until every replica has built its own: the race, every
    time."""
    arrived, everyone = 0, asyncio.Event()
    for replica in replicas:
        store = replica.app[DESK].store
        record = store.record

        async def held(event: ReleaseEvent, *, _record: Any = record, **kwargs: Any) -> None:
            nonlocal arrived
            if event.state in states:
                arrived += 1
                if arrived == len(replicas):
                    everyone.set()
                await asyncio.wait_for(everyone.wait(), RACE_TIMEOUT)
            await _record(event, **kwargs)

        store.record = held  # type: ignore[method-assign]
