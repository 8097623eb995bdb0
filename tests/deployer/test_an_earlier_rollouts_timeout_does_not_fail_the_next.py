"""A release is not failed by the progress deadline an earlier rollout of its colour passed, only by its own.

A Deployment changed back to a template whose old ReplicaSet is kept (an earlier release's image again, within
`revisionHistoryLimit`) keeps the Progressing condition its previous rollout left until the reused ReplicaSet's first
pods: after a release whose image never came up, ProgressDeadlineExceeded, now of the new generation. The deployer
read it as the new rollout's own and failed the release at once, with the earlier ReplicaSet's timeout as the reason.
It now disregards the timeout that stood when it wrote the Deployment; one the new rollout reaches still fails it.
"""

from __future__ import annotations

import pytest

from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus, NotReady, Rollout
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import app_ref, deployment, event, make_live, stage
from tests.harness import SHA

pytestmark = pytest.mark.cluster
DEADLINE = 1  # seconds: the failed release's progressDeadlineSeconds, so that its bad image times out soon


async def blue_timed_out(platform: KubePlatform, hasty: KubePlatform, kube: KubeTarget) -> str:
    """Blue ran r0's image, then r1's (r0's ReplicaSet kept at zero), then r3's bad image, timed out and not freed yet
    (r4 was pushed before r3 failed); green serves r2. The timed-out condition's message."""
    await stage(platform, kube, Colour.BLUE, "r0", kube.images[0], ColourStatus.RETIRED)
    await stage(platform, kube, Colour.BLUE, "r1", kube.images[1], ColourStatus.RETIRED)
    await make_live(platform, kube, Colour.GREEN, "r2", kube.images[2])
    await hasty.deploy(app_ref(kube), Colour.BLUE, Rollout("r3", SHA, kube.bad_image), 2)
    with pytest.raises(NotReady, match="ProgressDeadlineExceeded"):
        await hasty.wait_ready(app_ref(kube), Colour.BLUE, "r3", kube.patience)
    conditions = (await deployment(platform, kube, Colour.BLUE))["status"]["conditions"]
    return str(next(c["message"] for c in conditions if c["reason"] == "ProgressDeadlineExceeded"))


async def test_a_template_reused_after_a_timed_out_rollout_rolls_out(bus_settings: BusSettings,
                                                                      kube: KubeTarget) -> None:
    async with kube.platform() as platform, kube.platform(progress_deadline=DEADLINE) as hasty, \
            deployer(bus_settings, kube) as (app, events):
        await blue_timed_out(platform, hasty, kube)
        if kube.fake:  # the earlier timeout shown for a second before the reused ReplicaSet's first pods
            kube.fake.rollouts.delay = 1.0

        await app[BUS].publish(event("r4", S.PUSHED, kube, image=kube.images[0]))  # r0's image again
        outcome = (await events.wait("r4", S.AWAITING_APPROVAL, S.FAILED))[0]

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    assert outcome.release.standby_colour is Colour.BLUE


async def test_the_new_rollouts_own_timeout_still_fails_it(bus_settings: BusSettings, kube: KubeTarget) -> None:
    fake = kube.need_fake()  # pods slower than the deadline: a good image's rollout times out between its waves
    async with kube.platform() as platform, kube.platform(progress_deadline=DEADLINE) as hasty, \
            deployer(bus_settings, kube, progress_deadline=DEADLINE) as (app, events):
        earlier = await blue_timed_out(platform, hasty, kube)
        fake.rollouts.delay = DEADLINE + 0.5

        await app[BUS].publish(event("r4", S.PUSHED, kube, image=kube.images[0]))
        outcome = (await events.wait("r4", S.AWAITING_APPROVAL, S.FAILED))[0]

    assert outcome.state is S.FAILED and outcome.release.error is not None
    reason = outcome.release.error.reason
    assert reason.startswith("rollout of demo-blue failed: ProgressDeadlineExceeded"), reason
    assert earlier not in reason, reason  # the reused ReplicaSet's own timeout, not r3's
