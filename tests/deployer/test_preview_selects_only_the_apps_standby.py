"""The preview Service selects exactly the app's standby pods, whatever its selector was edited to.

Pointing the preview changed only the selector's `role` (a merge of `{role: <colour>}`), and a preview already on the
colour was not written at all: a selector edited by hand to lose its `app` (or to name another app) then reached the
standby pods of every app in the namespace, and the release's reviewers and pre checks looked at those.
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.templates import MANAGED_BY
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.deployer.running import deployer
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, event, make_live, service

pytestmark = pytest.mark.cluster
PREVIEW = f"{APP}-preview"


@pytest.mark.parametrize("edited", [
    [{"op": "remove", "path": "/spec/selector/app"}],  # now on every app's green pods
    [{"op": "replace", "path": "/spec/selector/app", "value": "other"},
     {"op": "replace", "path": "/spec/selector/role", "value": "green"}],  # another app's, on the right colour
    [{"op": "add", "path": "/spec/selector/tier", "value": "web"}],  # a label Greenlight's pods never carry
], ids=["app-removed", "other-app", "extra-key"])
async def test_preview_selector_is_set_whole(bus_settings: BusSettings, kube: KubeTarget,
                                             edited: list[dict[str, str]]) -> None:
    async with kube.platform() as platform, deployer(bus_settings, kube) as (app, events):
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await platform.api.patch(Kind.SERVICE, kube.namespace, PREVIEW, edited)

        await app[BUS].publish(event("r2", S.PUSHED, kube, image=kube.images[1]))
        staged = (await events.wait("r2", S.AWAITING_APPROVAL))[0].release

        assert staged.standby_colour is Colour.GREEN
        selector = (await service(platform, kube, PREVIEW))["spec"]["selector"]
        assert selector == {"app": APP, "role": "green", **MANAGED_BY}
