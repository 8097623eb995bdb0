"""A rollback given up between holding the warm colour and flipping to it lets go of that colour: the app's next
release deploys there.

The rollback holds the colour it flips back to (marked awaiting approval for the previous release, the mark the
platform's deploy refuses) across its retries. Given up (here: the Service's patch refused as unavailable until the
retry budget is spent; or each delivery dying at the flip until the delivery limit, as a SIGKILL there would), it used
to leave the hold in place for good: every new release of the app failed at deploy
with "standby owned by release r1 awaiting approval", and the API then refused the rollback asked again as well
(a release failed at deploy counts as staged on that colour). The give-up's `live` now makes the switcher let go.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus, PlatformUnavailable
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event
from tests.harness import dead_letters
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster
STATE = "greenlight.dev/state"


class FlipAway:
    """The cluster, whose API answers everything but the rollback's switch back to blue: `fault`, every time.
    Each mark is announced on `marked`."""

    def __init__(self, inner: KubePlatform, fault: Exception) -> None:
        self.inner = inner
        self.fault = fault
        self.marks: list[tuple[Colour, str, ColourStatus]] = []
        self.marked = asyncio.Condition()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def switch(self, app: Any, expected: Colour | None, to: Colour, release_id: str) -> bool:
        if (to, release_id) == (Colour.BLUE, "r1"):
            raise self.fault
        return await self.inner.switch(app, expected, to, release_id)

    async def mark(self, app: Any, colour: Colour, release_id: str, status: ColourStatus) -> bool:
        done = await self.inner.mark(app, colour, release_id, status)
        async with self.marked:
            self.marks.append((colour, release_id, status))
            self.marked.notify_all()
        return done


@pytest.mark.parametrize("fault", [PlatformUnavailable("Kubernetes API 503 Service Unavailable (test)"),
                                   RuntimeError("the delivery dies at the flip (test)")],
                         ids=["retries-spent", "deliveries-spent"])
async def test_a_new_release_deploys_after_a_rollback_given_up_before_its_flip(bus_settings: BusSettings,
                                                                               kube: KubeTarget,
                                                                               fault: Exception) -> None:
    async with kube.platform() as inner:
        cluster = FlipAway(inner, fault)
        async with switcher(bus_settings, kube, platform=cluster) as (app, events), \
                deployer(bus_settings, kube) as (deploying, _):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            await dead_letters(bus_settings, 1, timeout=30)  # past the tests' retry budget (4 s) or delivery limit
            settled = (await events.wait("r2", S.LIVE, count=2))[1]
            assert settled.details["rollback_refused"].startswith("switcher gave up"), settled.details
            assert (Colour.BLUE, "r1", ColourStatus.AWAITING_APPROVAL) in cluster.marks, "blue was never held"
            # Bounded: a switcher that never lets go is shown by the deploy below, as a person saw it.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(15), cluster.marked:
                    await cluster.marked.wait_for(lambda: (Colour.BLUE, "r1", ColourStatus.RETIRED) in cluster.marks)
            blue = await deployment(inner, kube, Colour.BLUE)

            await deploying[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2], previous_release="r2"))
            r3 = (await events.wait("r3", S.AWAITING_APPROVAL, S.FAILED))[0].release
    assert (r3.state, r3.standby_colour) == (S.AWAITING_APPROVAL, Colour.BLUE), \
        f"r3 {r3.state.value}: {r3.error}; blue was left {blue['metadata']['annotations'][STATE]}"
