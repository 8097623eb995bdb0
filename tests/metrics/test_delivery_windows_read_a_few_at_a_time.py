"""Windows of a caller's own (`GET /metrics/delivery?since=`) are read at most `READS_AT_ONCE` at a time.

Each read holds up to 10,000 releases' summaries and about a second of the API's CPU, and any signed-in caller may
ask: 50 requests sent at once were 50 reads side by side, their memory together and the event loop shared by all
of them (there was no limit: `delivery_views.delivery_report` read whatever was asked at once). The others now
wait their turn (a wait holds nothing), and each is answered in the end; the last 30 days' reading (the gauges',
the dashboards') is not held up behind them, or a caller queueing windows would make Prometheus' scrape time out.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.approval import delivery_readings
from services.approval.delivery_readings import READS_AT_ONCE, DeliveryReadings
from services.shared.dora import DeliveryReport, keys

UNTIL = datetime.fromisoformat("2026-02-01T00:00:00+00:00")


async def test_reads_beyond_the_limit_wait_their_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    inside, most = 0, 0
    go, full = asyncio.Event(), asyncio.Event()

    async def delivery_report(_: Any, since: datetime, until: datetime, app: str | None = None) -> DeliveryReport:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        if inside == READS_AT_ONCE:
            full.set()
        if until == UNTIL:  # the windows asked below; the recent reading goes through
            await go.wait()
        inside -= 1
        return DeliveryReport(since, until, keys([], 1.0))

    monkeypatch.setattr(delivery_readings, "delivery_report", delivery_report)
    readings = DeliveryReadings()
    database: Any = object()  # only handed to delivery_report, replaced above
    asked = [asyncio.ensure_future(readings.window(database, UNTIL - timedelta(days=days), UNTIL))
             for days in range(1, 11)]
    await asyncio.wait_for(full.wait(), 10)
    assert (inside, most) == (READS_AT_ONCE, READS_AT_ONCE) == (2, 2)
    # From here on `most` keeps count: a third window let in beside the two would show at the end.
    recent = await asyncio.wait_for(readings.recent(database), 10)
    assert recent.until > UNTIL
    go.set()
    answers = await asyncio.wait_for(asyncio.gather(*asked), 10)
    assert [UNTIL - a.since for a in answers] == [timedelta(days=days) for days in range(1, 11)]
    assert most == READS_AT_ONCE + 1  # the recent reading beside the two windows
