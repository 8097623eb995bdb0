"""A service that dies every time it holds one message: that release fails, the service goes on."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.shared.bus import REASON_HEADER, REFUSED_PREFIX
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.hardening.stack import Driver, ProcessStack, process_stack
from tests.harness import dead_letters, observer
from tests.noop.builder import CRASH_ENV
from tests.noop.ledger import Ledger

LIMIT = 3


async def supervise(stack: ProcessStack, service: str) -> None:
    """What a kubelet or systemd does: start the service again whenever it dies."""
    while True:
        await asyncio.to_thread(stack.processes[service].wait)
        stack.start(service)


async def test_crash_loop_fails_the_release_not_the_service(bus_settings: BusSettings, tmp_path: Path) -> None:
    bus = bus_settings.model_copy(update={"delivery_limit": LIMIT})
    async with observer(bus) as store, process_stack(bus, tmp_path, **{CRASH_ENV: "/crashy:"}) as stack:
        driver = Driver(stack.api, store, patience=90)
        supervisor = asyncio.create_task(supervise(stack, "builder"))
        try:
            doomed = await driver.request("crashy")
            failed = await driver.wait(doomed, S.FAILED, S.BUILT)
            healthy = await driver.ship("healthy")
        finally:
            supervisor.cancel()
            await asyncio.gather(supervisor, return_exceptions=True)
        [letter] = await dead_letters(bus, 1)
        ledger = Ledger(str(stack.ledger_path))
        crashes = ledger.begun("crash")
        builds = {e.release_id for e in ledger.effects("build")}
        ledger.close()
    # The handler ran LIMIT times, each killing its process; the next delivery was not handed to it.
    assert [release for release, _ in crashes] == [doomed] * LIMIT
    assert len({pid for _, pid in crashes}) == LIMIT
    assert failed.state is S.FAILED and failed.error is not None
    assert failed.error.step == "builder" and "never settled" in failed.error.reason
    assert healthy.state is S.LIVE and builds == {healthy.id}
    # Greenlight's own dead letter with the reason, not the broker's delivery-limit one (no x-death).
    headers = letter.headers or {}
    assert "never settled" in str(headers[REASON_HEADER]) and "x-death" not in headers
    assert (letter.routing_key or "").startswith(REFUSED_PREFIX)
    print(f"\n{len(crashes)} crashes, then {doomed} failed: {failed.error.reason}")
