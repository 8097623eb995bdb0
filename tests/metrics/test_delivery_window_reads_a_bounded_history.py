"""`GET /metrics/delivery` reads a bounded history, however far back `since` goes.

Every event of every release live since `since` was read and parsed into memory at each request (a release's
snapshot in each of its ~15 events): `since=2000-01-01` over a log of 100,000 releases held them all, per
request, in an API any signed-in role may call. At most `MAX_RELEASES` (the latest) are read now, and the
answer's `since` says where the window then starts.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import delivery_reads
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import at, released
from tests.metrics.test_delivery_endpoint import publish_all


async def test_a_window_beyond_the_limit_starts_after_the_releases_it_leaves_out(
        client: TestClient[web.Request, web.Application], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery_reads, "MAX_RELEASES", 3)
    await publish_all(client, [released(f"R{day}", "shop", at(day, 1), at(day, 2), at(day)) for day in range(1, 6)])
    body = await (await client.get("/metrics/delivery", params={"since": "2000-01-01T00:00:00Z"},
                                   headers=REQUESTER)).json()
    assert at(2, 2) < datetime.fromisoformat(body["since"]) <= at(3, 2), body["since"]
    assert (body["overall"]["deployments"], body["overall"]["lead_time_samples"]) == (3, 3)
