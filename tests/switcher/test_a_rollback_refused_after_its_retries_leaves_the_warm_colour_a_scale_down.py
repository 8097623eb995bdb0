"""A rollback refused after it was retried across the warm colour's scale-down time still has that colour scaled down.

The rollback marks the warm colour live, then held, so a scale-down timer coming due meanwhile (here: during its
retry, the cluster briefly away) does nothing: the timer scales only a colour marked retired. Refused at its next
attempt (the API server forbids the switch), it gave the colour back its mark and its replicas, but no timer was left
to scale it down: the warm colour ran its replicas for good. A refused or given-up rollback now sets a fresh one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.api_errors import ApiError
from services.shared.kube.platform import KubePlatform
from services.shared.platform import PlatformUnavailable
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, until_replicas
from tests.switcher.running import fire, live_and_staged, switcher
from tests.switcher.timers_seen import AwaitedTimers

pytestmark = pytest.mark.cluster


class SwitchAwayThenForbidden:
    """The cluster, whose API is away for the rollback's first switch back to blue and forbids the second, which
    waits for `go`: the test fires blue's scale-down timer in between."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.refused_once = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def switch(self, app: Any, expected: Colour | None, to: Colour, release_id: str) -> bool:
        if (to, release_id) != (Colour.BLUE, "r1"):
            return await self.inner.switch(app, expected, to, release_id)
        if not self.refused_once.is_set():
            self.refused_once.set()
            raise PlatformUnavailable("Kubernetes API 503 Service Unavailable (test)")
        await self.go.wait()
        raise ApiError(403, "Forbidden", 'services "demo-service" is forbidden: cannot patch (test)')


async def test_the_warm_colour_of_a_refused_rollback_is_still_scaled_down(bus_settings: BusSettings,
                                                                         kube: KubeTarget) -> None:
    timers = AwaitedTimers()
    async with kube.platform() as inner:
        cluster = SwitchAwayThenForbidden(inner)
        async with switcher(bus_settings, kube, platform=cluster, timers=timers) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            async with asyncio.timeout(20):
                await cluster.refused_once.wait()
            await fire(app, bus_settings, kube, timers.of("r2", Colour.BLUE))  # blue held: it does nothing
            assert (await deployment(inner, kube, Colour.BLUE))["spec"]["replicas"] == 2
            cluster.go.set()
            refused = (await events.wait("r2", S.LIVE, count=2))[1]
            assert "403 Forbidden" in refused.details["rollback_refused"], refused.details

            try:
                timer = await timers.second(Colour.BLUE)
            except TimeoutError:
                blue = await deployment(inner, kube, Colour.BLUE)
                raise AssertionError(f"blue left with {blue['spec']['replicas']} replicas and no scale-down to "
                                     "come") from None
            assert (timer.details["release_id"], timer.details["while_live"]) == ("r1", "r2")
            await fire(app, bus_settings, kube, timer)
            await until_replicas(inner, kube, Colour.BLUE, 0)
