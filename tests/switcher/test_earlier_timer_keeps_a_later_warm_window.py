"""A scale-down timer set by an earlier move of live traffic does not cut a later move's warm window short.

r1 live on blue; r2 switches to green (timer T1: blue, running r1); r2 is rolled back (blue live again); r3 is
staged on green and switched (blue, still running r1, retired again: timer T3, and r3's `live` promises blue warm
until `scale_down_at`). T1 comes due first. It used to check only that blue still ran r1 and was marked `retired`,
true again, and scaled blue to zero long before r3's window ended: a rollback of r3 was then no selector flip.
A timer now also names the release whose going live retired the colour, and does nothing once another is live.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour, utcnow
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment, event, stage
from tests.switcher.running import CapturedTimers, fire, live_and_staged, switcher

pytestmark = pytest.mark.cluster


async def test_an_earlier_timer_does_not_scale_down_a_colour_retired_again(bus_settings: BusSettings,
                                                                           kube: KubeTarget) -> None:
    timers = CapturedTimers()
    async with kube.platform() as platform, switcher(bus_settings, kube, timers=timers) as (app, events):
        await app[BUS].publish(await live_and_staged(platform, kube, app))
        r2_live = (await events.wait("r2", S.LIVE))[0]
        await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "bad"}))
        await events.wait("r2", S.ROLLED_BACK)
        await events.wait("r1", S.LIVE, count=2)
        await stage(platform, kube, Colour.GREEN, "r3", kube.images[2], ColourStatus.AWAITING_APPROVAL)
        await app[BUS].publish(event("r3", S.APPROVED, kube, image=kube.images[2], live_colour=Colour.BLUE,
                                     standby_colour=Colour.GREEN, previous_release="r1", approver="carol"))
        r3_live = (await events.wait("r3", S.LIVE))[0]
        assert r3_live.details["warm_colour"] == "blue"
        assert datetime.fromisoformat(r3_live.details["scale_down_at"]) > utcnow()

        await fire(app, bus_settings, kube, timers.of("r2", Colour.BLUE))  # T1
        blue = await deployment(platform, kube, Colour.BLUE)
        assert blue["metadata"]["annotations"]["greenlight.dev/release-id"] == "r1"
        assert blue["spec"]["replicas"] == 2, "T1, of r2's switch, scaled blue within r3's warm window"

        await fire(app, bus_settings, kube, timers.of("r3", Colour.BLUE))  # T3, r3's own, still scales it
        assert (await deployment(platform, kube, Colour.BLUE))["spec"]["replicas"] == 0
