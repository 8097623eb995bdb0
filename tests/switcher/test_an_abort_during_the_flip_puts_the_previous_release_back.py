"""An abort that lands while the switch's flip is on its way to the cluster ends with the previous release serving
and live again in the log.

The switch checks for an ending right before `platform.switch`, and the put-back (the switcher's handler of `failed`)
reads the Service to see whether the failed release serves. On one shared queue (GREENLIGHT_PARTITIONS=0, the
default) the switcher runs an app's messages side by side, and its per-app lock (`Switcher.apps`) held the put-back,
the rollback and the let-go, but not the switch. So an abort's `failed` handled during the flip's round trip read the
Service before the patch landed, found the old colour serving and did nothing; the patch then landed, the switch
published r1's `superseded` and stopped at r2's `live` (ReleaseEnded), and nothing was left to put r1 back: users
were served by the aborted release while the log showed no release live. Now the switch holds the app as well, so the
put-back runs after it and finds the flip landed, as a partition (one message of an app at a time) has it.

The abort is made to arrive exactly there by a platform whose `switch` first lets the `failed` be handled (as far as
its read of the cluster, if it gets to it), then flips.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import AppRef, AppState
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.handlers import Switcher
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import Handled, live_and_staged, switcher

pytestmark = pytest.mark.cluster


class AbortAtTheFlip:
    """The real platform; its first `switch` publishes the abort first and lets a read of the cluster made meanwhile
    (the put-back's) finish before the flip goes out, as a flip's round trip would."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.abort: Any = None  # (bus, the `failed` to publish), set by the test
        self.flipping = False
        self.read_meanwhile = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def read(self, app: AppRef) -> AppState:
        state = await self.inner.read(app)
        if self.flipping:
            self.read_meanwhile.set()
        return state

    async def switch(self, app: AppRef, expected: Colour | None, to: Colour, release_id: str) -> bool:
        if self.abort is not None:
            bus, failed = self.abort
            self.abort = None
            self.flipping = True
            await bus.publish(failed)
            # The put-back's read, if it runs beside the switch (else it comes after the flip, as it should).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.read_meanwhile.wait(), 5)
        return await self.inner.switch(app, expected, to, release_id)


async def test_an_abort_during_the_flip_puts_the_previous_release_back(
        bus_settings: BusSettings, kube: KubeTarget, monkeypatch: pytest.MonkeyPatch) -> None:
    handled = Handled(monkeypatch, Switcher)
    async with kube.platform() as real:
        platform = AbortAtTheFlip(real)
        async with switcher(bus_settings, kube, platform=platform) as (app, events):  # type: ignore[arg-type]
            approved = await live_and_staged(real, kube, app)
            switching = approved.next(S.SWITCHING, actor="switcher")
            platform.abort = (app[BUS], switching.next(S.FAILED, actor="ann", details={"aborted_by": "ann"},
                                                       error=ReleaseError(step="abort", reason="aborted by ann")))
            await app[BUS].publish(approved)
            await handled.wait("r2", S.APPROVED, kube.patience)
            await handled.wait("r2", S.FAILED, kube.patience)

            selector = (await service(real, kube))["spec"]["selector"]["role"]
            assert selector == "blue", (
                f"r2 was aborted during its flip and both the switch and the put-back are done, yet the live Service "
                f"selects {selector} (r2's colour): r2's events {events.of('r2')}, r1's {events.of('r1')}")
            await events.wait("r1", S.LIVE, count=2)  # live at the start, and again once put back
