"""An app's greenlight.yaml may name only its own secrets (`<app>`, `<app>-*`) and those the operator shares
(GREENLIGHT_DEPLOYER_SHARED_SECRETS): a repository naming another app's Secret in `secret_env` would have handed
its values to code that app's owners never saw. Such a release fails before anything reaches the cluster, saying
which secret and why; nothing of the secret's value is read or shown.
"""

from __future__ import annotations

import pytest
from kubernetes_asyncio import client

from services.deployer.settings import DeployerSettings
from services.shared.appspec import SecretRef
from services.shared.kube.client import connect
from services.shared.platform import AppRef
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, event

pytestmark = pytest.mark.cluster
FOREIGN = SPEC.model_copy(update={"secret_env": {**SPEC.secret_env,
                                                 "DB": SecretRef(secret="payments-db", key="password")}})


async def test_another_apps_secret_is_refused(bus_settings: BusSettings, kube: KubeTarget) -> None:
    async with deployer(bus_settings, kube) as (app, events), kube.platform() as platform:
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0],
                                     spec=FOREIGN.model_copy(update={"namespace": kube.namespace})))
        [failed] = await events.wait("r1", S.FAILED)
        state = await platform.read(AppRef.of(failed.release))
    assert failed.release.error is not None
    assert failed.release.error.reason == (
        f"secret_env names payments-db, not secrets of app {APP}: an app reads only its own (named {APP} or "
        f"{APP}-*) and those the operator shares in GREENLIGHT_DEPLOYER_SHARED_SECRETS")
    assert all(colour.release_id != "r1" for colour in state.colours.values())  # nothing reached the cluster


async def test_a_secret_the_operator_shares_is_deployed(bus_settings: BusSettings, kube: KubeTarget) -> None:
    api_client = await connect(kube.settings())
    try:  # a real cluster starts no pod whose secret is missing
        await client.CoreV1Api(api_client).create_namespaced_secret(kube.namespace, {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "payments-db"},
            "stringData": {"password": "pw"}})
    finally:
        await api_client.close()
    async with deployer(bus_settings, kube, shared_secrets=("payments-db",)) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0],
                                     spec=FOREIGN.model_copy(update={"namespace": kube.namespace})))
        await events.wait("r1", S.AWAITING_APPROVAL)


def test_shared_secrets_setting_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREENLIGHT_DEPLOYER_SHARED_SECRETS", "payments-db, registry-pull ,")
    assert DeployerSettings().shared_secrets == ["payments-db", "registry-pull"]
