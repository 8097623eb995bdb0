"""A partition check that does not end (a broker call never answered) claims nothing meanwhile: a dead replica's
partitions stay consumed by nobody. A chaos run under load ended so, every switcher partition unowned while a
switcher ran, and no log line said where its checks were. Past `slow_check` a warning now names the calls the check
waits in, and another says when it ended."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import pytest

from services.shared import claims as claims_module
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, after_a_check, replica

SLOW = 1.0  # seconds: many times a check's round trips here, even on a loaded machine


class Warnings:
    """claims.py's log: its warnings kept, each one's first time an event to await (not a captured list to poll)."""

    def __init__(self) -> None:
        self.lines: dict[str, dict[str, Any]] = {}
        self.seen: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.setdefault(event, fields)
        self.seen[event].set()

    def info(self, event: str, **fields: Any) -> None:
        pass

    async def until(self, event: str) -> dict[str, Any]:
        async with asyncio.timeout(SLOW * 10):
            await self.seen[event].wait()
        return self.lines[event]


async def test_a_check_that_does_not_end_is_reported_with_where_it_waits(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 0.1})
    warnings = Warnings()
    monkeypatch.setattr(claims_module, "log", warnings)
    answered = asyncio.Event()
    async with replica(settings, "a", Runs()) as owner:
        owner.slow_check = SLOW
        await after_a_check(owner, lambda: len(owner.owned) == 2)
        assert owner._members is not None
        counted = owner._members.replicas

        async def never_answered() -> int:
            await answered.wait()
            return await counted()

        monkeypatch.setattr(owner._members, "replicas", never_answered)
        slow = await warnings.until("partition check still under way: this replica claims nothing until it ends")
        assert slow["queue"] == owner.queue_name and slow["after"] == SLOW
        where = slow["waiting_at"]
        assert any(line.endswith(" _run") for line in where), where
        assert any(line.startswith("services/shared/fair_share.py:") and line.endswith(" check") for line in where)
        assert any(" never_answered" in line for line in where) and where[-1] == "a future", where
        answered.set()
        ended = await warnings.until("slow partition check ended")
        assert ended["took"] >= SLOW
