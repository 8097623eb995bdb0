"""The broker stopped and started with 20 releases in flight at different steps: none lost, nothing twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from services.shared.settings import BusSettings
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.rabbit_node import RabbitNode
from tests.hardening.stack import Driver, in_process_stack, spread
from tests.harness import observer
from tests.noop.ledger import DELAY_ENV, Ledger

RELEASES = 20


async def test_broker_restart_loses_nothing(rabbit_node: RabbitNode, fault_bus: BusSettings, ledger: Ledger,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DELAY_ENV, "0.6")  # every step takes a while, so the restart finds them mid-way
    apps = {f"rb-{n}" for n in range(RELEASES)}
    async with observer(fault_bus) as store, in_process_stack(fault_bus, ledger) as api:
        driver = Driver(api, store, patience=120)

        async def ship(n: int) -> object:
            await asyncio.sleep(n * 0.15)  # staggered, so they are at different steps when the broker goes
            return await driver.ship(f"rb-{n}")

        shipping = [asyncio.create_task(ship(n)) for n in range(RELEASES)]
        census = await spread(store, apps, steps=4)
        started = time.perf_counter()
        await asyncio.to_thread(rabbit_node.restart)
        down = time.perf_counter() - started
        releases = await asyncio.gather(*shipping)
        recovered = time.perf_counter() - started
    finals = Counter(r.state.value for r in releases)  # type: ignore[attr-defined]
    assert finals == {"live": RELEASES}, [(r.app, r.error) for r in releases]  # type: ignore[attr-defined]
    counts = assert_each_effect_once(ledger, releases)  # type: ignore[arg-type]
    print(f"\nbroker restarted with {RELEASES} in flight {dict(census)}; down {down:.1f}s; all terminal "
          f"{recovered:.1f}s after the stop: {dict(finals)}; effects {dict(counts)}; API retries {driver.retries}")
