"""The secret policy (an app names only its own secrets and those the operator shares) holds for `optional`
references too: optional changes what happens when the Secret is missing, not whose Secret it may read, and another
app's Secret does exist. Such a release fails before anything reaches the cluster."""

from __future__ import annotations

import pytest

from services.shared.appspec import SecretRef
from services.shared.platform import AppRef
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, event

pytestmark = pytest.mark.cluster


async def test_another_apps_secret_is_refused_though_optional(bus_settings: BusSettings, kube: KubeTarget) -> None:
    spec = SPEC.model_copy(update={"namespace": kube.namespace, "secret_env": {
        **SPEC.secret_env, "DB": SecretRef(secret="payments-db", key="password", optional=True)}})
    async with deployer(bus_settings, kube) as (app, events), kube.platform() as platform:
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0], spec=spec))
        [failed] = await events.wait("r1", S.FAILED)
        state = await platform.read(AppRef.of(failed.release))
    assert failed.release.error is not None
    assert failed.release.error.reason.startswith(f"secret_env names payments-db, not secrets of app {APP}:")
    assert all(colour.release_id != "r1" for colour in state.colours.values())  # nothing reached the cluster
