"""The live switch leaves the live Service selecting exactly the app's new colour, whatever its selector was edited to.

The switch merged `{app, role}` into the selector, so a key a hand had added stayed beside them (selecting pods no
release carries: no traffic at all), and a switch repeated on a Service already on the colour for the release wrote
nothing, even with its `app` removed (traffic to every app's pods of that colour in the namespace).
"""

from __future__ import annotations

import pytest

from services.shared.kube.client import Kind
from services.shared.kube.templates import MANAGED_BY
from services.shared.platform import ColourStatus
from services.shared.release import Colour
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import APP, app_ref, make_live, service, stage

pytestmark = pytest.mark.cluster
LIVE = f"{APP}-service"


async def test_switch_drops_a_key_a_hand_added(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await platform.api.patch(Kind.SERVICE, kube.namespace, LIVE,
                                 [{"op": "add", "path": "/spec/selector/tier", "value": "web"}])
        await stage(platform, kube, Colour.GREEN, "r2", kube.images[1], ColourStatus.AWAITING_APPROVAL)

        assert await platform.switch(app_ref(kube), Colour.BLUE, Colour.GREEN, "r2")
        assert (await service(platform, kube))["spec"]["selector"] == {"app": APP, "role": "green", **MANAGED_BY}


async def test_repeated_switch_restores_the_app(kube: KubeTarget) -> None:
    async with kube.platform() as platform:
        await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
        await platform.api.patch(Kind.SERVICE, kube.namespace, LIVE, [{"op": "remove", "path": "/spec/selector/app"}])

        # the switch that made r1 live, redelivered: it expected no colour live, as it did the first time
        assert not await platform.switch(app_ref(kube), None, Colour.BLUE, "r1")
        assert (await service(platform, kube))["spec"]["selector"] == {"app": APP, "role": "blue", **MANAGED_BY}
