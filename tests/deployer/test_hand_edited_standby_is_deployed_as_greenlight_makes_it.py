"""A standby Deployment someone edited by hand is deployed as Greenlight makes it, not as the edit left it.

The deploy was a JSON merge patch of the fields Greenlight writes: maps merge, so whatever a hand added to the pod
template beside them (`hostNetwork`, a service account, a label the Services do not expect) ran in every later
release of that colour, and a `kubectl rollout pause` left the Deployment paused, where the controller starts no new
pods: the release waited out its whole rollout timeout and failed.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.templates import MANAGED_BY
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, deployment, event, make_live, stage

pytestmark = pytest.mark.cluster


HAND_EDITS = [
    {"op": "add", "path": "/spec/paused", "value": True},  # kubectl rollout pause
    {"op": "add", "path": "/spec/template/spec/hostNetwork", "value": True},
    {"op": "add", "path": "/spec/template/spec/serviceAccountName", "value": "default"},
    {"op": "add", "path": "/spec/template/metadata/labels/edited", "value": "by-hand"},
]


async def test_hand_edits_of_the_standby_do_not_survive_a_deploy(bus_settings: BusSettings,
                                                                 kube: KubeTarget) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await stage(platform, kube, Colour.BLUE, "r0", kube.images[0], ColourStatus.RETIRED)
        await make_live(platform, kube, Colour.GREEN, "r1", kube.images[1])
        await platform.api.patch(Kind.DEPLOYMENT, kube.namespace, f"{APP}-blue", HAND_EDITS)

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[2]))
        outcome = (await events.wait("r2", S.AWAITING_APPROVAL, S.FAILED))[0]
        blue = await deployment(platform, kube, Colour.BLUE)

    assert outcome.state is S.AWAITING_APPROVAL, outcome.release.error
    assert not blue["spec"].get("paused")
    pod = blue["spec"]["template"]
    assert "hostNetwork" not in pod["spec"] and "serviceAccountName" not in pod["spec"], pod["spec"]
    assert pod["metadata"]["labels"] == {"app": APP, "role": "blue", **MANAGED_BY}
