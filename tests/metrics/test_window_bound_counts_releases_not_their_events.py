"""A delivery window beyond `MAX_RELEASES` keeps that many releases, however many serving events each logged.

The window's start was placed after the `MAX_RELEASES`-th newest `verifying`/`live` event, not release: an app
with post-promotion checks logs two per release (the switcher's `verifying`, then `live`), so the 30-day window of
the gauges and of every dashboard held 5,000 releases where the README promises 10,000, and started days later than
it had to. `greenlight_delivery_deployments` ("deployments in the last 30 days") then counted half of them. With a
limit of 3 and five such releases, one deployment was left where three fit.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval import delivery_reads
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import TO_SWITCH, at, history
from tests.metrics.test_delivery_endpoint import publish_all


def checked_after_its_switch(day: int) -> list[ReleaseEvent]:
    """Serving from its `verifying` at 02:00, `live` once its post checks passed at 02:30."""
    steps = [(S.REQUESTED, at(day, 1)), *((s, at(day, 1)) for s in TO_SWITCH), (S.VERIFYING, at(day, 2)),
             (S.LIVE, at(day, 2, 30))]
    return history(f"V{day}", "shop", steps, at(day))


async def test_a_window_beyond_the_limit_keeps_the_latest_releases_not_events(
        any_database: str, client: TestClient[web.Request, web.Application],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery_reads, "MAX_RELEASES", 3)
    await publish_all(client, [checked_after_its_switch(day) for day in range(1, 6)])
    response = await client.get("/metrics/delivery", params={"since": "2000-01-01T00:00:00Z"}, headers=REQUESTER)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert at(2, 2) < datetime.fromisoformat(body["since"]) <= at(3, 2), body["since"]
    assert (body["overall"]["deployments"], body["overall"]["lead_time_samples"]) == (3, 3)
