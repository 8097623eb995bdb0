"""A ReplicaSet that cannot create its pods for a moment (a ResourceQuota full while the old pods still terminate, an
admission webhook timing out once) marks the Deployment `ReplicaFailure` True/FailedCreate, and its controller keeps
trying: the condition goes once a pod is created. The deployer took that condition for a failed rollout and failed
the release at once. Only the progress deadline fails a rollout (as for `kubectl rollout status`); its reason names
the pods' refusal when that is what held it up."""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, event

pytestmark = pytest.mark.cluster
QUOTA = 'pods "demo-blue-x" is forbidden: exceeded quota: apps, requested: pods=1, used: pods=10, limited: pods=10'


def refused(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    conditions = ((obj or {}).get("status") or {}).get("conditions") or []
    return obj if any(c["type"] == "ReplicaFailure" and c["status"] == "True" for c in conditions) else None


async def test_a_passing_replica_failure_does_not_fail_the_release(bus_settings: BusSettings,
                                                                   kube: KubeTarget) -> None:
    fake = kube.need_fake()
    fake.rollouts.refuse_pods(QUOTA)
    async with kube.platform() as platform, deployer(bus_settings, kube, progress_deadline=30) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0]))
        await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", refused, kube.patience)
        fake.rollouts.refuse_pods(None)  # the quota has room again: the controller's next try creates the pods

        await events.wait("r1", S.AWAITING_APPROVAL, S.FAILED)
    assert events.of("r1") == [(S.PUSHED, 5), (S.DEPLOYING, 6), (S.AWAITING_APPROVAL, 7)]


async def test_pods_refused_past_the_deadline_fail_with_the_refusal(bus_settings: BusSettings,
                                                                    kube: KubeTarget) -> None:
    kube.need_fake().rollouts.refuse_pods(QUOTA)
    async with deployer(bus_settings, kube) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0]))
        failed = (await events.wait("r1", S.FAILED))[0].release

    assert failed.error is not None
    assert failed.error.reason.startswith("rollout of demo-blue failed: ProgressDeadlineExceeded"), failed.error.reason
    assert "exceeded quota" in failed.error.reason, failed.error.reason
