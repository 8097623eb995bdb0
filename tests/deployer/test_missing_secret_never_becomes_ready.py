"""A release whose `secret_env` names a Secret (or a key) the namespace lacks never runs on a cluster: the kubelet
refuses to start its containers (CreateContainerConfigError), so the rollout fails at its progress deadline and the
standby is freed. The fake API server started such pods as if the value were there, so a test on it staged a release
a real cluster fails."""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.appspec import SecretRef
from services.shared.kube import state as st
from services.shared.kube.client import Kind
from services.shared.kube.watch import wait_for
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import SECRET, KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, event

pytestmark = pytest.mark.cluster
LACKING = {"a missing secret": SecretRef(secret=f"{APP}-missing", key="token"),
           "a missing key": SecretRef(secret=SECRET, key="no-such-key")}


@pytest.mark.parametrize("case", list(LACKING))
async def test_the_rollout_fails_at_its_deadline(case: str, bus_settings: BusSettings, kube: KubeTarget) -> None:
    spec = SPEC.model_copy(update={"namespace": kube.namespace,
                                   "secret_env": {**SPEC.secret_env, "EXTRA": LACKING[case]}})
    async with deployer(bus_settings, kube) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0], spec=spec))
        [outcome] = await events.wait("r1", S.AWAITING_APPROVAL, S.FAILED)

    assert outcome.state is S.FAILED and outcome.release.error is not None, outcome.state
    assert outcome.release.error.reason.startswith("rollout of demo-blue failed: ProgressDeadlineExceeded"), \
        outcome.release.error.reason


async def test_an_optional_secret_may_be_missing(kube: KubeTarget) -> None:
    optional = {"name": f"{APP}-missing", "key": "token", "optional": True}
    labels = {"app": "optional"}
    container = {"name": "app", "image": kube.images[0],
                 "env": [{"name": "EXTRA", "valueFrom": {"secretKeyRef": optional}}]}

    def ready(obj: dict[str, Any] | None) -> bool | None:
        assert obj is not None and st.rollout_failure(obj) is None, st.describe(obj)
        return True if st.rollout_done(obj) else None

    async with kube.platform() as platform:
        await platform.api.create(Kind.DEPLOYMENT, kube.namespace, {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "optional"},
            "spec": {"replicas": 1, "progressDeadlineSeconds": kube.progress_deadline,
                     "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}})
        assert await wait_for(platform.api, Kind.DEPLOYMENT, kube.namespace, "optional", ready, kube.patience)
