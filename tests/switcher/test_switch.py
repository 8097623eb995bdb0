"""Approval switches the live Service to the release's colour, verified, and supersedes the old release."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.shared.kube.templates import MANAGED_BY
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment, event, service, stage
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster
DELAY = 600.0  # the scale-down delay: the warm colour outlives the test


async def test_approved_release_goes_live_and_the_old_one_is_superseded(bus_settings: BusSettings,
                                                                        kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube, scale_down_delay=DELAY) as (app, events):
        approved = await live_and_staged(platform, kube, app)

        await app[BUS].publish(approved)
        live = (await events.wait("r2", S.LIVE))[0]
        superseded = (await events.wait("r1", S.SUPERSEDED))[0]

        assert events.of("r2") == [(S.APPROVED, 8), (S.SWITCHING, 9), (S.LIVE, 10)]
        deadline = datetime.fromisoformat(live.details.pop("scale_down_at"))
        assert live.details == {"colour": "green", "previous_colour": "blue", "warm_colour": "blue"}
        # When the warm colour is scaled down (the dashboard's countdown): the delay after `live`, taken when the
        # event was built (no await between the two), so only a wrong delay can be off by more than a second.
        assert abs(deadline - (live.occurred_at + timedelta(seconds=DELAY))) < timedelta(seconds=1), deadline
        assert (superseded.seq, superseded.details) == (11, {"superseded_by": "r2"})
        svc = await service(platform, kube)
        assert svc["spec"]["selector"] == {"app": "demo", "role": "green", **MANAGED_BY}
        assert svc["metadata"]["annotations"]["greenlight.dev/release-id"] == "r2"
        state = await platform.read(app_ref(kube))
        assert state.colours[Colour.GREEN].status is ColourStatus.LIVE
        assert state.colours[Colour.BLUE].status is ColourStatus.RETIRED
        assert state.colours[Colour.BLUE].replicas == 2  # stays warm for the scale-down delay


async def test_first_release_goes_live_on_blue(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with kube.platform() as platform, switcher(bus_settings, kube) as (app, events):
        await stage(platform, kube, Colour.BLUE, "r1", kube.images[0], ColourStatus.AWAITING_APPROVAL)
        assert (await service(platform, kube))["spec"]["selector"]["role"] == "none"

        await app[BUS].publish(event("r1", S.APPROVED, kube, image=kube.images[0], standby_colour=Colour.BLUE))
        await events.wait("r1", S.LIVE)

        assert (await service(platform, kube))["spec"]["selector"]["role"] == "blue"
        assert (await deployment(platform, kube, Colour.BLUE))["metadata"]["annotations"][
            "greenlight.dev/state"] == "live"
        assert [s for s, _ in events.of("r1")] == [S.APPROVED, S.SWITCHING, S.LIVE]
