"""A standby still marked for a release that has ended is taken by the app's next release, not refused.

The API accepts the next release as soon as the rejection is recorded, and a build the builder can reuse
reaches `pushed` within milliseconds, so the deployer may see it before the rejected release's teardown
ran: that teardown waits behind it in the queue, or belongs to another replica. This process knows the
release ended (its endings queue), so the colour is freed and staged again instead of failing the release
with "standby owned by release … awaiting approval"."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, make_live

pytestmark = pytest.mark.cluster


async def test_next_release_takes_a_standby_whose_release_ended_before_its_teardown(
        bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0]
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "awaiting-approval"

        # What this process's endings queue records when r2 is rejected; r2's `rejected` never reaches this
        # replica's work queue (another replica tears it down, later), so only the takeover can free green.
        app[BUS].ended.add(staged.next(S.REJECTED, actor="bob"))
        await app[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2]))
        outcome = (await events.wait("r3", S.AWAITING_APPROVAL, S.FAILED))[0].release

        assert outcome.state is S.AWAITING_APPROVAL, outcome.error
        assert outcome.standby_colour is Colour.GREEN
        green = await deployment(platform, kube, Colour.GREEN)
        annotations = green["metadata"]["annotations"]
        assert (annotations["greenlight.dev/release-id"], annotations["greenlight.dev/state"]) == \
            ("r3", "awaiting-approval")
        assert green["spec"]["replicas"] == 2
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 2
