"""The registry goes down for 20 s as the push starts: the push is retried from the broker and goes through
once the registry is back, with one manifest and one `pushed`; down for longer than the budget, it fails saying
so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.pusher.settings import PusherSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.faults.conftest import OUTAGE_LONG, TOO_LITTLE
from tests.faults.processes import Daemon, outage
from tests.faults.registry import own_registry
from tests.infra import EventTap
from tests.pusher.conftest import BuiltImage, built_event, registry_digest


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[tuple[Daemon, str]]:
    daemon, address = own_registry(tmp_path / "registry")
    await daemon.start()
    yield daemon, address
    await daemon.stop()


async def test_push_goes_through_after_a_20s_registry_outage(
        pusher, pusher_settings: PusherSettings, fault_bus: BusSettings, registry: tuple[Daemon, str],  # type: ignore[no-untyped-def]
        built_image: BuiltImage, http: httpx.AsyncClient) -> None:
    daemon, address = registry
    settings = pusher_settings.model_copy(update={"registry": address, "bus": fault_bus})
    async with EventTap(fault_bus) as tap, pusher(settings) as app:
        await app[BUS].publish(built_event(built_image))
        await tap.wait("r1", S.PUSHING)
        down = asyncio.get_running_loop().time()
        await outage(daemon, OUTAGE_LONG)
        pushed = await tap.wait("r1", S.PUSHED, S.FAILED, timeout=60)
        took = asyncio.get_running_loop().time() - down
    assert pushed.state is S.PUSHED, pushed.release.error
    assert pushed.details["retries"] >= 3 and "registry" in pushed.details["last_retry_error"]
    assert len({e.seq for e in tap.of("r1", S.PUSHED)}) == 1 and not tap.of("r1", S.FAILED)
    assert await registry_digest(http, address, built_image.app, built_image.commit) == pushed.release.digest
    print(f"registry down {OUTAGE_LONG:.0f} s: pushed {took:.1f} s after it went down, "
          f"{pushed.details['retries']} retries")


async def test_push_fails_with_the_reason_when_the_outage_outlasts_the_budget(
        pusher, pusher_settings: PusherSettings, fault_bus: BusSettings, registry: tuple[Daemon, str],  # type: ignore[no-untyped-def]
        built_image: BuiltImage) -> None:
    daemon, address = registry
    bus = fault_bus.model_copy(update={"retry_budget": TOO_LITTLE})
    settings = pusher_settings.model_copy(update={"registry": address, "bus": bus})
    async with EventTap(bus) as tap, pusher(settings) as app:
        await daemon.stop()  # and it stays down
        await app[BUS].publish(built_event(built_image))
        failed = await tap.wait("r1", S.PUSHED, S.FAILED, timeout=60)
    assert failed.state is S.FAILED and failed.release.error is not None
    reason = failed.release.error.reason
    assert failed.release.error.step == "pusher"
    assert "registry unavailable for" in reason and "GREENLIGHT_RETRY_BUDGET=6s" in reason, reason
