"""The per-identity and total event-stream limits hold for streams opened at the same moment (a fresh process, or
every client reconnecting after a restart): a stream is counted when it is admitted, before anything is awaited.
It used to be counted only once set up, after the feed's first query, and every request that arrived meanwhile
passed the check: eight streams of one identity were open against a limit of two.
"""

from __future__ import annotations

import asyncio
import contextlib

from services.approval.settings import ApprovalSettings
from services.approval.streams import HUB
from tests.approval.conftest import REQUESTER, api_client


async def test_streams_opened_together_stay_within_the_limits(settings: ApprovalSettings) -> None:
    limited = settings.model_copy(update={"sse_max_streams_per_identity": 2, "sse_max_streams": 3})
    async with api_client(limited) as client, contextlib.AsyncExitStack() as streams:
        async def open_one() -> int:
            response = await streams.enter_async_context(client.get("/events", headers=REQUESTER))
            return response.status

        statuses = await asyncio.wait_for(asyncio.gather(*(open_one() for _ in range(8))), 20)
        hub = client.app[HUB]
        assert sorted(statuses) == [200, 200, *[429] * 6]
        assert hub.by_identity["dev-requester"] == 2 and hub.admitted == 2
