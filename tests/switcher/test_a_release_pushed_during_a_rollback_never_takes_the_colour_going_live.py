"""A release pushed while the live one is rolling back never deploys onto the colour the rollback is making live.

A rollback does not hold the app, so a new release may reach the deployer while the switcher is flipping live
traffic back to the warm colour. Until the flip lands the Service still selects the rolled-back release's
colour, so the deployer took the warm one as its standby: it replaced the pods of the colour about to go live,
and the switcher then flipped live traffic onto the new, unapproved release (logged as the restored one).

The interleaving is forced: the rollback's flip (after it held blue) waits until r3 is handled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, service
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


class HeldFlip:
    """The cluster, with the rollback's switch of live traffic back to blue held until `go` is set."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.at_flip = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def switch(self, app: Any, expected: Colour | None, to: Colour, release_id: str) -> bool:
        if (to, release_id) == (Colour.BLUE, "r1"):
            self.at_flip.set()
            await self.go.wait()
        return await self.inner.switch(app, expected, to, release_id)


async def test_a_release_pushed_mid_rollback_leaves_the_warm_colour_alone(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with kube.platform() as inner:
        held = HeldFlip(inner)
        async with switcher(bus_settings, kube, platform=held) as (app, events), \
                deployer(bus_settings, kube) as (deploying, _):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            async with asyncio.timeout(20):
                await held.at_flip.wait()  # blue held for r1, the Service still on green
            await deploying[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2], previous_release="r2"))
            r3 = (await events.wait("r3", S.AWAITING_APPROVAL, S.FAILED))[0].release
            held.go.set()
            r2 = (await events.wait("r2", S.ROLLED_BACK, S.LIVE, count=2))[-1]  # or refused: `live` again

            live = (await service(inner, kube))["spec"]["selector"]["role"]
            served = await deployment(inner, kube, Colour(live))
    image = served["spec"]["template"]["spec"]["containers"][0]["image"]
    rid = served["metadata"]["annotations"]["greenlight.dev/release-id"]
    assert (live, r2.state) == ("blue", S.ROLLED_BACK), r2.details
    assert (rid, image) == ("r1", kube.images[0]), \
        f"live traffic on {live} runs {rid} ({image}); r3 is {r3.state.value} on {r3.standby_colour}"
    # Held by the rollback, blue is refused as the platform refuses a standby awaiting another release's approval.
    assert r3.state is S.FAILED and r3.error is not None and "r1" in r3.error.reason, r3
