"""Two or three replicas of every worker, many apps, every event delivered twice at once: each side effect
happens once, one app's steps never overlap (across replicas), and every replica does some of the work."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver
from tests.hardening.test_duplicate_delivery import duplicator
from tests.harness import observer
from tests.noop.ledger import Ledger
from tests.replicas.checks import WORKER_STEPS, overlaps, workers_by_pid
from tests.replicas.conftest import replica_stack, request
from tests.replicas.stack import apps_covering

APPS = 6  # at least; more when that many do not reach every partition of every worker
REPLICAS = {"builder": 2, "pusher": 2, "deployer": 3, "switcher": 2}
DELAY = "0.3"  # seconds each step takes: long enough for two runs of one app to overlap if they could


async def test_replicas_each_effect_once_apps_in_order(partitioned_bus: BusSettings, tmp_path: Path) -> None:
    bus = partitioned_bus
    started = time.perf_counter()
    delays = {f"GREENLIGHT_NOOP_DELAY_{step.upper()}": DELAY for step in WORKER_STEPS.values()}
    apps = await apps_covering(bus, APPS)
    async with duplicator(bus) as copied, observer(bus) as store, \
            replica_stack(bus, tmp_path, REPLICAS, **delays) as stack:
        ledger = Ledger(str(stack.ledger_path))
        driver = Driver(stack.api, store, patience=180)

        async def ship(app: str, commit: str, reject: bool = False) -> Release:
            release_id = await request(driver, app, commit)
            staged = await driver.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
            if staged.state is S.FAILED:
                return staged
            if reject:  # the deployer tears the standby down while the app's next release is on its way
                await driver.decide(release_id, "reject", ("rejected",))
                return await driver.wait(release_id, S.REJECTED)
            await driver.approve(release_id)
            return await driver.wait(release_id, S.LIVE, S.FAILED)

        async def three_releases(app: str) -> list[Release]:
            # The second goes live after the first, so the switcher scales the first's colour down later.
            return [await ship(app, f"{app}-1"), await ship(app, f"{app}-2", reject=True),
                    await ship(app, f"{app}-3")]

        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(three_releases(app)) for app in apps]
        releases = [release for task in tasks for release in task.result()]
        live = [r for r in releases if r.state is S.LIVE]
        assert len(live) == 2 * len(apps), [(r.app, r.state.value, r.error) for r in releases if r not in live]
        effects = assert_each_effect_once(ledger, live)
        found = {step: overlaps(ledger, store, step) for step in WORKER_STEPS.values()}
        spread = {service: workers_by_pid(ledger, step) for service, step in WORKER_STEPS.items()}
        pids = {service: set(stack.pids(service)) for service in REPLICAS}
        ledger.close()
    assert found == {step: [] for step in WORKER_STEPS.values()}
    for service, count in REPLICAS.items():  # different apps ran in parallel on different replicas
        assert set(spread[service]) == pids[service], (service, spread[service], pids[service])
        assert len(pids[service]) == count
    assert effects["build"] == effects["push"] == effects["deploy"] == 3 * len(apps)
    assert effects["switch"] == 2 * len(apps)
    assert len(copied) >= 10 * len(apps)
    print(f"\n{len(releases)} releases of {len(apps)} apps on {dict(REPLICAS)} replicas in "
          f"{time.perf_counter() - started:.1f}s; {len(copied)} events duplicated; effects {dict(effects)}; "
          f"work per replica { {s: sorted(Counter(v).values()) for s, v in spread.items()} }")
