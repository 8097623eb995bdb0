"""Callers queued behind a reading of the last 30 days that fails share its failure; they do not read again in turn.

`DeliveryReadings.recent` reads one at a time and hands the callers that waited the fresh report, but a reading that
failed left nothing behind, so each caller queued behind it read again, one after the other. With the database frozen
(each statement waits out `GREENLIGHT_DATABASE_STATEMENT_TIMEOUT`, 30 s) the k-th of k callers (scrapes of `/metrics`,
every open dashboard's `GET /metrics/delivery`) waited k times 30 s, and callers arriving more often than one per 30 s
queued without end: `/metrics` never answered within a scrape timeout, `greenlight_database_up 0` included. The
release counts beside it (metrics.py) already share one outcome, an outage's too. A caller arriving after the failed
reading reads again: the outage may be over.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.approval import delivery_readings
from services.approval.delivery_readings import DeliveryReadings
from services.shared.dora import DeliveryReport


async def test_callers_queued_behind_a_failed_reading_share_its_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = 0
    reading, fail, all_queued = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def delivery_report(*_: Any) -> DeliveryReport:
        nonlocal attempts
        attempts += 1
        reading.set()
        await fail.wait()
        raise ConnectionRefusedError("the database is away")

    monkeypatch.setattr(delivery_readings, "delivery_report", delivery_report)
    readings, database, queued = DeliveryReadings(), object(), 3
    arrived: list[int] = []

    async def caller() -> DeliveryReport:
        arrived.append(1)
        if len(arrived) == queued:
            all_queued.set()  # this caller goes on into `recent` before the test runs again
        return await readings.recent(database)  # type: ignore[arg-type]

    first = asyncio.ensure_future(readings.recent(database))  # type: ignore[arg-type]
    await asyncio.wait_for(reading.wait(), 10)
    behind = [asyncio.ensure_future(caller()) for _ in range(queued)]
    await asyncio.wait_for(all_queued.wait(), 10)
    fail.set()
    outcomes = await asyncio.wait_for(asyncio.gather(first, *behind, return_exceptions=True), 10)
    assert all(isinstance(outcome, ConnectionRefusedError) for outcome in outcomes), outcomes
    assert attempts == 1, f"{attempts} readings for {queued + 1} callers of one failed reading"

    with pytest.raises(ConnectionRefusedError):
        await asyncio.wait_for(readings.recent(database), 10)  # type: ignore[arg-type]
    assert attempts == 2
