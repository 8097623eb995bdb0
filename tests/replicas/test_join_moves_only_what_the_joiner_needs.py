"""Replicas started one after another move only the partitions the newcomer needs, each from a replica holding the most.

With P partitions and R replicas each holds floor(P/R) or ceil(P/R) (claims.py), so a join should move as many
partitions as the joiner ends up with: 8 partitions, 1 -> 2 replicas: 4; 2 -> 3: 2 (3 + 3 + 2). A replica below its
floor says it is hungry, and each replica above its floor gave one up at every check while the hunger lasted: when
the others checked twice before the joiner claimed what the first check had freed (a slow joiner, a loaded machine),
they gave up twice what it needed and took the surplus back later (2 -> 3 moved 5 partitions instead of 2). The test
runs each replica's checks itself, in that order, so the schedule is the same every run; with the checks on their own
timers (interval 0.1 s) main moved 3 or 4 on about half the runs."""

from __future__ import annotations

import contextlib

import pytest

from services.shared.claims import PartitionClaims
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica
from tests.replicas.rebalancing import count_claims, settle

PARTITIONS = 8  # compose.yaml's and k8s/'s GREENLIGHT_PARTITIONS


async def test_each_join_moves_only_what_the_joiner_needs(bus_settings: BusSettings,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # No check of their own (a long interval): the test runs each replica's checks.
    settings = bus_settings.model_copy(update={"partitions": PARTITIONS, "partition_check_interval": 3600.0})
    claimed = count_claims(monkeypatch)
    runs = Runs()
    runs.go.set()
    moves: list[int] = []
    async with contextlib.AsyncExitStack() as stack:
        replicas: list[PartitionClaims] = []
        for name in "abc":
            before = len(claimed)
            replicas.append(await stack.enter_async_context(replica(settings, name, runs)))
            await settle(replicas)
            moves.append(len(claimed) - before)
    # The first replica claims all 8; each join then moves what the joiner holds, no more.
    assert moves == [8, 4, 2], f"claims per start (the first's, then hand-overs per join): {moves}"
