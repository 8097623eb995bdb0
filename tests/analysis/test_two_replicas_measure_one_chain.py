"""Two analysis replicas, each handed a copy of one event at the same moment (a publish retried after a lost
confirm), measure it once: with GREENLIGHT_PARTITIONS the analysis queue is partitioned by app like the other
workers', so both copies reach the one replica that holds the app's partition, which drops the second. On one
shared queue each replica measured its copy, and the release had two different events with one seq."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving
from tests.replicas.stack import delete_partitions


@pytest.fixture
async def partitioned(bus_settings: BusSettings) -> AsyncIterator[BusSettings]:
    bus = bus_settings.model_copy(update={"partitions": 2, "partition_check_interval": 0.1})
    yield bus
    await delete_partitions(bus)


async def test_a_copy_handed_to_another_replica_is_not_measured_twice(partitioned: BusSettings) -> None:
    rid = f"two-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, tap(partitioned) as events, contextlib.AsyncExitStack() as stack:
        replicas = [await stack.enter_async_context(analysis(partitioned)) for _ in range(2)]
        start = analysing(rid, url + "/", http_check(interval=0.3, count=2))
        await replicas[0][BUS].publish(start)
        await replicas[1][BUS].publish(start)  # the copy, at once
        await events.wait(rid, S.AWAITING_APPROVAL)
        await events.wait(rid, S.ANALYSING, count=3)  # the hand-over twice, and the one measurement between
    bodies: dict[int, set[str]] = {}
    for event in events.events:
        if event.release_id == rid:
            bodies.setdefault(event.seq, set()).add(event.dumps())
    assert all(len(versions) == 1 for versions in bodies.values()), {seq: len(v) for seq, v in bodies.items()}
    assert target.served == ["good"] * 2
