"""SIGKILL the replica in the middle of a step: another replica takes its partitions over and finishes the
step, each side effect still happens once, and the fail-over time (kill to the step begun again elsewhere)
is measured."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver
from tests.harness import observer
from tests.noop.ledger import Ledger
from tests.replicas.checks import WORKER_STEPS, overlaps
from tests.replicas.conftest import replica_stack, request
from tests.replicas.stack import ReplicaStack

REPLICAS = {"builder": 2, "pusher": 2, "deployer": 2, "switcher": 2}
DELAY = 1.5  # seconds each step takes: the kill lands inside it
ROUNDS = 2  # each round kills one replica of each worker
FAILOVER_LIMIT = 10.0  # seconds; expected: the check interval plus a redelivery (well under 2 s on a loaded box)


async def mid_step(ledger: Ledger, step: str, release_id: str) -> tuple[int, float]:
    """(pid, began) of the process that is in `step` of the release now."""
    async with asyncio.timeout(120):
        while True:
            for rid, pid, began, ended in ledger.spans(step):
                if rid == release_id and ended is None:
                    return pid, began
            await asyncio.sleep(0.02)  # polling another process's SQLite file; nothing to await instead


async def taken_over(ledger: Ledger, step: str, release_id: str, killed: int) -> float:
    """When another process began `step` of the release after `killed` died in it."""
    async with asyncio.timeout(120):
        while True:
            for rid, pid, began, _ in ledger.spans(step):
                if rid == release_id and pid != killed:
                    return began
            await asyncio.sleep(0.02)  # as above


async def test_sigkill_active_replica_fails_over(partitioned_bus: BusSettings, tmp_path: Path) -> None:
    bus = partitioned_bus.model_copy(update={"delivery_limit": 20})  # each kill is a failed delivery
    delays = {f"GREENLIGHT_NOOP_DELAY_{step.upper()}": str(DELAY) for step in WORKER_STEPS.values()}
    failovers: list[float] = []
    async with observer(bus) as store, replica_stack(bus, tmp_path, REPLICAS, **delays) as stack:
        ledger = Ledger(str(stack.ledger_path))
        driver = Driver(stack.api, store, patience=180)

        restarted: dict[str, str] = {}

        async def kill_in(service: str, release_id: str) -> None:
            step = WORKER_STEPS[service]
            pid, _ = await mid_step(ledger, step, release_id)
            name = stack.pids(service)[pid]
            killed_at = time.time()
            await asyncio.to_thread(kill, stack, name)
            failovers.append(await taken_over(ledger, step, release_id, pid) - killed_at)
            stack.start(name)  # back to two replicas for the next round
            restarted[service] = name

        async def ship(app: str) -> Release:
            # The replicas killed last round serve again: two of each to fail over between.
            await stack.up(*restarted.values())
            release_id = await request(driver, app, f"{app}-1")
            for service in ("builder", "pusher", "deployer"):
                await kill_in(service, release_id)
            await driver.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
            await driver.approve(release_id)
            await kill_in("switcher", release_id)
            return await driver.wait(release_id, S.LIVE, S.FAILED)

        releases = [await ship(f"fo-{n}") for n in range(ROUNDS)]
        assert [r.state for r in releases] == [S.LIVE] * ROUNDS, [r.error for r in releases]
        effects = assert_each_effect_once(ledger, releases)
        found = {step: overlaps(ledger, store, step) for step in WORKER_STEPS.values()}
        ledger.close()
    assert found == {step: [] for step in WORKER_STEPS.values()}
    assert effects["build"] == effects["push"] == effects["deploy"] == effects["switch"] == ROUNDS
    assert len(failovers) == 4 * ROUNDS
    assert max(failovers) < FAILOVER_LIMIT, failovers
    print(f"\nfail-over after SIGKILL of the active replica, {len(failovers)} kills: "
          f"p50 {statistics.median(failovers):.2f}s, max {max(failovers):.2f}s "
          f"({', '.join(f'{f:.2f}' for f in failovers)})")


def kill(stack: ReplicaStack, name: str) -> None:
    stack.kill(name)
