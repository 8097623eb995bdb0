"""A rollback decides whether the previous colour needs scaling up from a read taken after it marked that colour
`live`, not before: a scale-down timer that came due in between (another message on the switcher's queue, or a
second replica) may have scaled it to zero, and the rollback used to flip live traffic onto a colour with no
replicas while the log said `rolled_back`. After the mark no timer can scale it (their patch needs `retired`).

The interleaving is forced: the rollback's mark of blue waits until blue's timer has run.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, service
from tests.switcher.running import CapturedTimers, fire, live_and_staged, switcher

pytestmark = pytest.mark.cluster


class HeldMark:
    """The cluster, with the rollback's `mark(blue, r1, live)` held until `go` is set."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.at_mark = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def mark(self, app: Any, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        if (colour, release_id, status) == (Colour.BLUE, "r1", ColourStatus.LIVE):
            self.at_mark.set()
            await self.go.wait()
        return await self.inner.mark(app, colour, release_id, status)


async def test_rollback_scales_up_a_colour_scaled_down_while_it_ran(bus_settings: BusSettings,
                                                                    kube: KubeTarget) -> None:
    timers = CapturedTimers()
    async with kube.platform() as inner:
        held = HeldMark(inner)
        async with switcher(bus_settings, kube, platform=held, timers=timers) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            async with asyncio.timeout(20):
                await held.at_mark.wait()  # the rollback has read blue: 2 replicas, ready
            await fire(app, bus_settings, kube, timers.of("r2", Colour.BLUE))  # blue still `retired`
            assert (await deployment(inner, kube, Colour.BLUE))["spec"]["replicas"] == 0
            held.go.set()
            await events.wait("r2", S.ROLLED_BACK)

            assert (await service(inner, kube))["spec"]["selector"]["role"] == "blue"
            blue = await deployment(inner, kube, Colour.BLUE)
    assert blue["spec"]["replicas"] == 2, f"live traffic on blue with {blue['spec']['replicas']} replicas"
