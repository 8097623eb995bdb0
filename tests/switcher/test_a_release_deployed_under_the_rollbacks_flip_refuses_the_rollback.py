"""A release deployed onto the warm colour after the rollback read it, before it flipped, refuses the rollback.

The deployer checks the Service and the colour's marks, then patches the colour; the rollback marks the colour,
reads it, then flips the Service. A deploy whose checks ran before that mark and whose patch landed after the
read used to be switched to: live traffic went to the new, unapproved release while the log said the previous
one was restored. The rollback now holds the colour (a mark conditional on the previous release) just before
the flip, so such a deploy makes it refuse, and live traffic stays where it was.

The interleaving is forced: the rollback's read of blue is held while r3 is deployed onto blue.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import AppState, ColourStatus, Rollout
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import SHA, app_ref, deployment, service
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


class HeldRead:
    """The cluster, with the rollback's read after it marked blue `live` for r1 held until `go` is set."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.marked = False
        self.at_read = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def mark(self, app: Any, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        self.marked = self.marked or (colour, release_id, status) == (Colour.BLUE, "r1", ColourStatus.LIVE)
        return await self.inner.mark(app, colour, release_id, status)

    async def read(self, app: Any) -> AppState:
        state = await self.inner.read(app)
        if self.marked and not self.at_read.is_set():
            self.at_read.set()
            await self.go.wait()
        return state


async def test_a_deploy_under_the_flip_refuses_the_rollback(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as inner:
        held = HeldRead(inner)
        async with switcher(bus_settings, kube, platform=held) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            async with asyncio.timeout(20):
                await held.at_read.wait()  # blue read: r1, ready; the Service still on green
            # What the deployer does for r3 once its own checks passed: blue is not live, nor awaiting approval.
            await inner.deploy(app_ref(kube), Colour.BLUE, Rollout("r3", SHA, kube.images[2]), 2)
            held.go.set()
            r2 = (await events.wait("r2", S.ROLLED_BACK, S.LIVE, count=2))[-1]

            live = (await service(inner, kube))["spec"]["selector"]["role"]
            served = await deployment(inner, kube, Colour(live))
    rid = served["metadata"]["annotations"]["greenlight.dev/release-id"]
    assert (live, rid) == ("green", "r2"), f"live traffic on {live}, which runs {rid}; r2 is {r2.state.value}"
    assert r2.state is S.LIVE and "r1" in r2.details["rollback_refused"], r2.details
