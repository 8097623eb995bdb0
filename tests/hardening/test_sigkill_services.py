"""Each service SIGKILLed mid-step and restarted, 10 times per service: every release still goes live once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Release
from services.shared.settings import BusSettings
from services.shared.store import ReleaseStore
from tests.hardening.conftest import assert_each_effect_once
from tests.hardening.stack import Driver, ProcessStack, process_stack
from tests.harness import observer
from tests.noop.apps import SERVICES
from tests.noop.ledger import DELAY_ENV, Ledger

KILLS = 10
DELAY = 0.6  # seconds every no-op step takes; the effect happens half-way
# 50 restarts of a Python process, three phases one after another (the API's kills hold every release up, the
# switcher's need releases past the others): 74-87 s alone here, 112 s in CI beside the other groups, and past 300 s
# once on a runner twice as slow. A release still unfinished at the budget is reported with where it stands.
BUDGET = 540
pytestmark = pytest.mark.timeout(BUDGET + 60)
STEP = {"approval": "resolve", "builder": "build", "pusher": "push", "deployer": "deploy", "switcher": "switch"}


async def mid_step(ledger: Ledger, stack: ProcessStack, service: str, spared: set[str], late: bool) -> str:
    """A release the service's current process is in the middle of (before its effect, or after when
    `late`), not one killed at this step before: a fresh victim each time, so the kills spread."""
    pid = stack.processes[service].pid
    low, high = (0.55, 0.9) if late else (0.05, 0.45)
    # A guard against a hang, not a speed figure: a restarted service on a busy runner (the suite runs in two
    # processes) may take a while to be in the middle of a step again.
    async with asyncio.timeout(240):
        while True:
            now = time.time()
            rows = ledger.db.execute("SELECT release_id, at FROM begun WHERE step = ? AND pid = ?",
                                     (STEP[service], pid)).fetchall()
            for release_id, at in rows:
                if release_id not in spared and low * DELAY <= now - at <= high * DELAY:
                    return str(release_id)
            await asyncio.sleep(0.02)  # polling another process's SQLite file; nothing to await instead


def where_they_stand(store: ReleaseStore, apps: list[str], kills: Counter[str], started: float) -> str:
    """Each unfinished release's last state, for the failure message of a run past its budget."""
    latest = {r.app: r for r in store.releases.values()}
    stuck = [f"{app}: {latest[app].state.value if app in latest else 'never requested'}" for app in apps]
    return (f"{len(apps)} releases unfinished after {time.perf_counter() - started:.0f}s, kills so far "
            f"{dict(kills)}: {stuck}")


async def test_sigkill_mid_step_same_outcome(bus_settings: BusSettings, tmp_path: Path) -> None:
    # Each SIGKILL is a failed delivery for every message the service held; a message may be caught by
    # several kills, so the limit is raised to keep this test about idempotency, not the give-up policy
    # (test_crash_loop.py is about that).
    bus = bus_settings.model_copy(update={"delivery_limit": 20})
    started = time.perf_counter()
    shipping: list[asyncio.Task[Release]] = []
    kills: Counter[str] = Counter()
    async with observer(bus) as store, process_stack(bus, tmp_path, **{DELAY_ENV: str(DELAY)}) as stack:
        with contextlib.closing(Ledger(str(stack.ledger_path))) as ledger:
            driver = Driver(stack.api, store, patience=180)

            async def ship(app: str) -> Release:
                release_id = await driver.request(app, commit=f"rel-{app}")  # a unique ref names the resolve step
                staged = await driver.wait(release_id, S.AWAITING_APPROVAL, S.FAILED)
                if staged.state is S.FAILED:
                    return staged
                await driver.approve(release_id)
                return await driver.wait(release_id, S.LIVE, S.FAILED)

            async def chaos(service: str) -> None:
                killed: set[str] = set()
                for n in range(KILLS):
                    app = f"k-{service}-{n}"
                    shipping.append(asyncio.create_task(ship(app), name=app))
                    victim = await mid_step(ledger, stack, service, killed, late=n % 2 == 1)
                    killed.add(victim)
                    stack.restart(service)
                    kills[service] += 1

            try:
                async with asyncio.timeout(BUDGET):
                    await asyncio.gather(*(chaos(service) for service in SERVICES))
                    chaos_done = time.perf_counter() - started
                    releases = await asyncio.gather(*shipping)
            except TimeoutError:
                unfinished = [task.get_name() for task in shipping if not task.done()]
                for task in shipping:
                    task.cancel()
                await asyncio.gather(*shipping, return_exceptions=True)
                raise AssertionError(where_they_stand(store, unfinished, kills, started)) from None
            effects = assert_each_effect_once(ledger, releases)
            apps = Counter(r.app for r in store.releases.values())
    assert kills == {service: KILLS for service in SERVICES}
    assert Counter(r.state.value for r in releases) == {"live": len(releases)}, \
        [(r.app, r.error) for r in releases if r.state is not S.LIVE]
    assert set(apps.values()) == {1}, "an app was requested twice"  # approval killed mid-request: no repeat
    assert effects["build"] == effects["push"] == effects["deploy"] == effects["switch"] == len(releases)
    print(f"\n{sum(kills.values())} SIGKILLs {dict(kills)} in {chaos_done:.1f}s; {len(releases)} releases all "
          f"live after {time.perf_counter() - started:.1f}s; effects {dict(effects)}; API retries {driver.retries}")
