"""A `rejected` or `failed` of the release that is live (a late or redelivered ending) never frees its colour:
live stays marked and scaled, whatever the release's own history says."""

from __future__ import annotations

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, make_live, service

pytestmark = pytest.mark.cluster


@pytest.mark.parametrize("ending", [S.REJECTED, S.FAILED])
async def test_an_ending_of_the_live_release_leaves_live_alone(bus_settings: BusSettings, kube: KubeTarget,
                                                               ending: S) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await make_live(platform, kube, Colour.GREEN, "r2", kube.images[1])
        green = await deployment(platform, kube, Colour.GREEN)

        error = ReleaseError(step="switch", reason="late") if ending is S.FAILED else None
        await app[BUS].publish(event("r2", ending, kube, seq=12, image=kube.images[1], error=error))
        # Handled after the ending under the app's lock: once r3 is staged, the ending was handled.
        await app[BUS].publish(event("r3", S.PUSHED, kube, image=kube.images[2]))
        staged = (await events.wait("r3", S.AWAITING_APPROVAL, S.FAILED))[0].release

        assert (staged.state, staged.live_colour, staged.standby_colour) == \
            (S.AWAITING_APPROVAL, Colour.GREEN, Colour.BLUE), staged.error
        after = await deployment(platform, kube, Colour.GREEN)
        assert after["metadata"]["resourceVersion"] == green["metadata"]["resourceVersion"]
        assert after["spec"]["replicas"] == 2
        assert after["metadata"]["annotations"]["greenlight.dev/state"] == "live"
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "green"
