"""A rollback given up while it scaled the warm colour back up still has that colour scaled down.

The rollback marks the colour it flips back to `live` first (a pending scale-down timer then does nothing: it scales
only a colour marked retired), then scales it up if it was scaled down. Given up there (here: the readiness wait
answered unavailable until the retry budget was spent), it left that colour marked live while the Service selected
the other: no scale-down timer ever scaled it, and its replicas, brought back by the rollback, ran for good. The
give-up's `live` now marks it retired again with a fresh timer (services/switcher/hold.py).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import AppState, ColourState, PlatformUnavailable
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, until_replicas
from tests.harness import dead_letters
from tests.switcher.running import fire, live_and_staged, switcher
from tests.switcher.timers_seen import AwaitedTimers

pytestmark = pytest.mark.cluster


class ReadinessAway:
    """The cluster, where blue's pods do not come up (read: not ready) and the API answers the wait for them with
    unavailable, every time."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def read(self, app: Any) -> AppState:
        state = await self.inner.read(app)
        blue = state.colour(Colour.BLUE)
        if blue is None or blue.release_id != "r1":
            return state
        return replace(state, colours={**state.colours, Colour.BLUE: replace(blue, ready=False, ready_replicas=0)})

    async def wait_ready(self, app: Any, colour: Colour, release_id: str, timeout: float) -> ColourState:
        if (colour, release_id) == (Colour.BLUE, "r1"):
            raise PlatformUnavailable("Kubernetes API 503 Service Unavailable (test)")
        return await self.inner.wait_ready(app, colour, release_id, timeout)


async def test_the_warm_colour_of_a_rollback_given_up_while_scaling_up_is_scaled_down(bus_settings: BusSettings,
                                                                                      kube: KubeTarget) -> None:
    timers = AwaitedTimers()
    async with kube.platform() as inner:
        async with switcher(bus_settings, kube, platform=ReadinessAway(inner), timers=timers) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]
            await fire(app, bus_settings, kube, timers.of("r2", Colour.BLUE))  # the warm window ended
            await until_replicas(inner, kube, Colour.BLUE, 0)

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            await dead_letters(bus_settings, 1, timeout=30)  # past the tests' retry budget (4 s)
            settled = (await events.wait("r2", S.LIVE, count=2))[1]
            assert settled.details["rollback_refused"].startswith("switcher gave up"), settled.details
            try:
                timer = await timers.second(Colour.BLUE)
            except TimeoutError:
                blue = await deployment(inner, kube, Colour.BLUE)
                raise AssertionError(f"blue left {blue['metadata']['annotations']['greenlight.dev/state']} with "
                                     f"{blue['spec']['replicas']} replicas and no scale-down to come") from None
            await fire(app, bus_settings, kube, timer)
            await until_replicas(inner, kube, Colour.BLUE, 0)
