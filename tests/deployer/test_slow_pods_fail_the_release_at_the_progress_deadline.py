"""A good image whose pods take longer than the progress deadline fails the release at that deadline, with the
cluster's reason, not after the deployer's own rollout timeout.

Kubernetes sets Progressing False/ProgressDeadlineExceeded once `progressDeadlineSeconds` pass without progress, and
the deployer fails the release as soon as it sees it (as `kubectl rollout status` does). The fake set it only for an
image that never becomes available, so a slow one ran into the deployer's timeout there ("not ready within 14s")
while a cluster would have said why at its deadline. Fault injection (slow pods) needs the fake.
"""

from __future__ import annotations

import asyncio

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, event, make_live, until_replicas

pytestmark = pytest.mark.cluster
DEADLINE = 1  # seconds without progress the standby's rollout may go (GREENLIGHT_KUBE_PROGRESS_DEADLINE)


async def test_pods_slower_than_the_deadline_fail_the_release_at_it(bus_settings: BusSettings,
                                                                     kube: KubeTarget) -> None:
    fake = kube.need_fake()
    async with kube.platform() as platform, \
            deployer(bus_settings, kube, progress_deadline=DEADLINE) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        fake.rollouts.delay = 60.0  # each new pod takes a minute to become available: a slow pull, a slow start
        loop = asyncio.get_running_loop()
        started = loop.time()
        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        outcome = (await events.wait("r2", S.AWAITING_APPROVAL, S.FAILED))[0]
        took = loop.time() - started
        green = await until_replicas(platform, kube, Colour.GREEN, 0)  # freed, as any failed release's standby

    error = outcome.release.error
    assert outcome.state is S.FAILED and error is not None, outcome
    stuck = f'rollout of {APP}-green failed: ProgressDeadlineExceeded: ReplicaSet "{APP}-green-'
    assert error.reason.startswith(stuck), error.reason
    assert error.reason.endswith("has timed out progressing."), error.reason
    # At the cluster's deadline, well before the deployer's own timeout (the deadline of the fixture + 10 s).
    assert took < kube.progress_deadline + 10 - 2, took
    assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
