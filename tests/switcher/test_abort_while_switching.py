"""An abort that arrives while the switcher waits for the candidate to be ready stops the wait at once and
switches nothing: live traffic stays on the old colour, and no `live` is published for the aborted release.

The candidate's readiness is held back by a gate around the real adapter (the fake API server becomes ready
in milliseconds): without the abort stopping the wait, the switch would go ahead once the gate opens."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import AppRef, ColourState
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


class GatedReadiness:
    """The real platform, except that `wait_ready` waits for the test's gate first, noting a cancellation."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.switches = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def wait_ready(self, app: AppRef, colour: Colour, release_id: str, timeout: float) -> ColourState:
        self.waiting.set()
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return await self.inner.wait_ready(app, colour, release_id, timeout)

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        self.switches += 1
        return await self.inner.switch(app, expected, to, release_id)


async def test_abort_during_the_readiness_wait_switches_nothing(bus_settings: BusSettings,
                                                                kube: KubeTarget) -> None:
    async with kube.platform() as real:
        gated = GatedReadiness(real)
        async with switcher(bus_settings, kube, platform=gated) as (app, events):  # type: ignore[arg-type]
            approved = await live_and_staged(real, kube, app)
            await app[BUS].publish(approved)
            switching = (await events.wait("r2", S.SWITCHING))[0]
            await asyncio.wait_for(gated.waiting.wait(), kube.patience)

            await app[BUS].publish(switching.next(S.FAILED, actor="ann", details={"aborted_by": "ann"},
                                                  error=ReleaseError(step="abort", reason="aborted by ann")))
            await asyncio.wait_for(gated.cancelled.wait(), kube.patience)  # the wait stopped at the abort
            gated.gate.set()  # were it still waiting, it would now switch

            assert gated.switches == 0
            assert (await service(real, kube))["spec"]["selector"]["role"] == "blue"
    assert events.of("r2") == [(S.APPROVED, 8), (S.SWITCHING, 9), (S.FAILED, 10)], events.of("r2")
