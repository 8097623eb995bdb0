"""A `secret_env` reference marked `optional` reaches the Deployment as Kubernetes' own `secretKeyRef.optional`, so a
release whose Secret lacks the key (or the Secret itself) deploys, its pods without the variable.

Every reference used to be required: a key an app can do without (the events app's EVENTS_REDIS_URL on an install
without Redis) kept its pods from starting (CreateContainerConfigError) until the progress deadline failed the release.
A required reference renders as before, with no `optional` key, and the event carries `optional` only when it is true.
"""

from __future__ import annotations

import json

import pytest

from services.shared.appspec import SecretRef
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import SECRET, KubeTarget
from tests.fake_k8s.scenario import APP, SPEC, deployment, event

pytestmark = pytest.mark.cluster
MISSING = {"a missing secret": SecretRef(secret=f"{APP}-missing", key="url", optional=True),
           "a missing key": SecretRef(secret=SECRET, key="no-such-key", optional=True)}


@pytest.mark.parametrize("case", list(MISSING))
async def test_the_release_deploys_with_the_reference_optional(case: str, bus_settings: BusSettings,
                                                               kube: KubeTarget) -> None:
    spec = SPEC.model_copy(update={"namespace": kube.namespace,
                                   "secret_env": {**SPEC.secret_env, "EXTRA": MISSING[case]}})
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await app[BUS].publish(event("r1", S.PUSHED, kube, image=kube.images[0], spec=spec))
        [outcome] = await events.wait("r1", S.AWAITING_APPROVAL, S.FAILED)
        blue = await deployment(platform, kube, Colour.BLUE)

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    (container,) = blue["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    ref = MISSING[case]
    assert env["EXTRA"]["valueFrom"]["secretKeyRef"] == {"name": ref.secret, "key": ref.key, "optional": True}
    assert env["TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": SECRET, "key": "token"}
    written = json.loads(outcome.dumps())["release"]["spec"]["secret_env"]
    assert written == {"EXTRA": {"secret": ref.secret, "key": ref.key, "optional": True},
                       "TOKEN": {"secret": SECRET, "key": "token"}}
