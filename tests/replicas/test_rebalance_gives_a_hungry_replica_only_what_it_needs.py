"""When several replicas hold the rounded-up share and a replica is below its floor, exactly one gives a partition up.

4 partitions on 3 replicas are 2 + 2 + 0 until someone gives one up (the third is "hungry": below its floor of 1);
8 on 5 are 2 + 2 + 2 + 2 + 0. Each replica above its floor that saw the hunger at two checks, was giving nothing up
and found nothing free gave one up: with what they took still running (a partition is handed over only after its
messages are acked), none saw the other's partition free, so every one of them gave one up, 2 moves for 1 (4 for 1
with 8 on 5), and the surplus was claimed back later. The test holds a build in every partition across the last join,
runs the checks itself in a fixed order, then the same on the replicas' own timers, where every join on the way (8 on
2, 3 and 4 replicas too) must move only what the joiner ends up with."""

from __future__ import annotations

import contextlib

import pytest

from services.shared.claims import PATIENT_CHECKS, PartitionClaims
from services.shared.settings import BusSettings
from tests.replicas.claimers import Runs, replica, request_each
from tests.replicas.rebalancing import a_round, balanced, checks, count_claims, given_up, settle, until
from tests.replicas.stack import apps_covering

SHAPES = [(4, 3), (8, 5)]  # partitions, replicas: the last join finds every other replica at the rounded-up share
FIXED, TIMED = 3600.0, 0.2  # check intervals: none of their own (the test runs them), or real timers
BUSY = {"partition_busy_handover_after": 0.0}  # every partition is busy: given up past PATIENT_CHECKS alone


def every_app_running(runs: Runs, apps: list[str]) -> bool:
    return sum(len(running) for running in runs.running.values()) == len(apps)


async def joined_at_the_top(stack: contextlib.AsyncExitStack, settings: BusSettings, runs: Runs,
                            replicas: int) -> list[PartitionClaims]:
    """`replicas` - 1 replicas settled in a fixed order, a build running in every partition, then one more."""
    apps = await apps_covering(settings, settings.partitions)
    held: list[PartitionClaims] = []
    for n in range(replicas - 1):
        held.append(await stack.enter_async_context(replica(settings, f"r{n}", runs)))
        await settle(held)
    await request_each(settings, apps)
    await runs.until(lambda: every_app_running(runs, apps))
    return [*held, await stack.enter_async_context(replica(settings, "joiner", runs))]


async def one_fed(stack: contextlib.AsyncExitStack, bus_settings: BusSettings,
                  monkeypatch: pytest.MonkeyPatch) -> tuple[list[PartitionClaims], list[str]]:
    """4 partitions, 3 replicas joined at the top, checked in a fixed order until one replica gave one up to the
    joiner, the builds then let finish: the replicas (the joiner last), and the claims counted from the join on."""
    runs = Runs()
    settings = bus_settings.model_copy(update={"partitions": 4, "partition_check_interval": FIXED, **BUSY})
    held = await joined_at_the_top(stack, settings, runs, 3)
    claimed = count_claims(monkeypatch)
    for _ in range(PATIENT_CHECKS):
        await a_round(held, drain=False)
    assert len(given_up(held)) == 1
    runs.go.set()
    return held, claimed


@pytest.mark.parametrize(("partitions", "replicas"), SHAPES)
async def test_in_a_fixed_order_one_replica_gives_one_up(bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch,
                                                         partitions: int, replicas: int) -> None:
    settings = bus_settings.model_copy(update={"partitions": partitions, "partition_check_interval": FIXED, **BUSY})
    runs = Runs()
    async with contextlib.AsyncExitStack() as stack:
        held = await joined_at_the_top(stack, settings, runs, replicas)
        claimed = count_claims(monkeypatch)
        for _ in range(PATIENT_CHECKS):  # a replica whose partitions are all busy waits as long before it feeds
            await a_round(held, drain=False)  # the builds still run: what was given up is still handed over
        giving = given_up(held)
        runs.go.set()
        await settle(held)
    assert len(giving) == 1, f"partitions given up to the one hungry replica: {giving}"
    assert len(claimed) == 1, f"partitions moved by the join: {claimed}"


async def test_a_fed_replica_is_not_seen_hungry_once_it_took_the_partition(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The joiner said it was no longer hungry at the end of the check that claimed what it needed: the feeder, seeing
    its partition taken in between, let the next replica feed, which saw the joiner hungry still and gave one up."""
    async with contextlib.AsyncExitStack() as stack:
        held, claimed = await one_fed(stack, bus_settings, monkeypatch)
        *others, joiner = held
        for claims in others:
            await claims.drained()
        claim = joiner._claim

        async def others_check_right_after(name: str) -> bool:
            taken = await claim(name)
            for claims in others if taken else []:  # within the joiner's check, just after its claim
                await claims.check()
                await claims.check()
            return taken

        monkeypatch.setattr(joiner, "_claim", others_check_right_after)
        await joiner.check()
        monkeypatch.setattr(joiner, "_claim", claim)
        await settle(held)
    assert len(claimed) == 1, f"partitions moved by the join: {claimed}"


@pytest.mark.parametrize(("partitions", "replicas"), SHAPES)
async def test_on_real_timers_each_join_moves_only_what_the_joiner_needs(
        bus_settings: BusSettings, monkeypatch: pytest.MonkeyPatch, partitions: int, replicas: int) -> None:
    settings = bus_settings.model_copy(update={"partitions": partitions, "partition_check_interval": TIMED, **BUSY})
    apps = await apps_covering(settings, partitions)
    claimed, runs = count_claims(monkeypatch), Runs()
    moves: list[int] = []
    giving: list[str] = []
    async with contextlib.AsyncExitStack() as stack:
        held: list[PartitionClaims] = []
        for n in range(replicas):
            last = n == replicas - 1
            if last:  # every other replica is at the top share now, with a build in each of its partitions
                await request_each(settings, apps)
                await runs.until(lambda: every_app_running(runs, apps))
            before = len(claimed)
            held.append(await stack.enter_async_context(replica(settings, f"r{n}", runs)))
            if last:
                await until(held, lambda: bool(given_up(held)))
                await checks(held, 2 * PATIENT_CHECKS)  # time for a second replica to give one up too
                giving = given_up(held)
                runs.go.set()
            await until(held, lambda: balanced(held))
            await checks(held, 2 * PATIENT_CHECKS)  # a late move would show
            assert balanced(held), [sorted(claims.owned) for claims in held]
            moves.append(len(claimed) - before)
    assert len(giving) == 1, f"partitions given up to the one hungry replica: {giving}"
    needed = {4: [4, 2, 1], 8: [8, 4, 2, 2, 1]}[partitions]  # each joiner's final share, the first's all
    assert moves == needed, f"claims per start (the first's, then hand-overs per join): {moves}"
