"""A standby freed (marked released, scaled to zero) while this replica waits for its rollout is not ready.

The readiness check took the Deployment's desired replicas as they were: once another replica tore the aborted
release down, 0 of 0 replicas available read as a finished rollout. The replica still waiting (it had not heard of
the abort) then pointed the preview at the empty colour, marked it awaiting approval again over `released`, and
published `awaiting_approval` for a release that had ended: the colour stayed held for it, so the app's next
release failed with "standby owned by release … awaiting approval" on any replica that had not heard of the abort
either. The switcher waits with the same check before it moves live traffic. A colour scaled to zero or marked
released under the release is now a failed wait, as a colour taken by another release already was.
"""

from __future__ import annotations

import pytest

from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment, event, make_live, until_replicas

pytestmark = pytest.mark.cluster


async def test_a_standby_freed_under_the_wait_is_not_staged(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 5.0  # still rolling out when the other replica frees it
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        await events.wait("r2", S.DEPLOYING)
        await until_replicas(platform, kube, Colour.GREEN, 2)

        # Another replica tears r2 down after its abort; this one never hears of the abort.
        assert await platform.mark(app_ref(kube), Colour.GREEN, "r2", ColourStatus.RELEASED)
        await platform.scale(app_ref(kube), Colour.GREEN, 0, if_release="r2", if_status=ColourStatus.RELEASED)
        outcome = (await events.wait("r2", S.AWAITING_APPROVAL, S.FAILED))[0].release

        assert outcome.state is S.FAILED, outcome
        assert outcome.error is not None and "freed" in outcome.error.reason, outcome.error
        green = await deployment(platform, kube, Colour.GREEN)
        assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
        assert green["spec"]["replicas"] == 0
