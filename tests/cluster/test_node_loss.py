"""The node leading the work queues (and the one every client connected to first) stops mid-run and comes
back: releases requested before, during and after all go live, each effect once, nothing lost."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from services.shared.protocol import WORK_QUEUES
from services.shared.settings import BusSettings
from tests.cluster.bed import ClusterBed
from tests.cluster.checks import assert_all_ended, assert_database_matches_log, assert_per_app_order, wave
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver, in_process_stack
from tests.harness import observer
from tests.noop.ledger import Ledger

# Slow by nature (a node stops and boots again); on a loaded 2-core box several minutes.
pytestmark = pytest.mark.timeout(600)
APPS = 4


async def test_leader_node_stops_and_returns(cluster: ClusterBed, cluster_bus: BusSettings, tmp_path: Path) -> None:
    bus = cluster_bus
    ledger = Ledger(str(tmp_path / "ledger.sqlite"))
    async with observer(bus) as store, in_process_stack(bus, ledger) as api:
        driver = Driver(api, store, patience=120)
        # The bed's calls run programs: in a thread, or the event loop (and the clients' heartbeats) would stop.
        members = await asyncio.to_thread(cluster.members, bus.queue_prefix)
        for queue in [*(bus.queue_prefix + service for service in WORK_QUEUES), bus.log_stream, bus.dead_letter_queue]:
            assert len(members[queue]) == 3, f"{queue} is not on all three nodes: {members.get(queue)}"

        releases = await wave(driver, "loss", 1, APPS)
        leader = await asyncio.to_thread(cluster.leader_of, bus.queue_prefix + "builder")
        await asyncio.to_thread(leader.stop)
        stopped = time.perf_counter()
        releases += await wave(driver, "loss", 2, APPS)
        during = time.perf_counter() - stopped
        assert (await asyncio.to_thread(cluster.leader_of, bus.queue_prefix + "builder")).name != leader.name
        await asyncio.to_thread(leader.start)
        await asyncio.to_thread(cluster.await_members, 3)
        releases += await wave(driver, "loss", 3, APPS)

        assert_all_ended(releases)
        assert [r.state.value for r in releases] == ["live"] * len(releases), \
            [(r.app, r.error) for r in releases if r.state.value != "live"]
        assert_each_effect_once(ledger, releases)
        assert_per_app_order(ledger, store)
        await assert_database_matches_log(store)
    ledger.close()
    print(f"\n{len(releases)} releases live; {leader.node} stopped for {during:.1f}s of {APPS} releases")
