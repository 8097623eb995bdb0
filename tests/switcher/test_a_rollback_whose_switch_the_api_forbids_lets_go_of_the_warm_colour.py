"""A rollback refused because the API server forbids its switch (403: RBAC without `patch` on Services, or a 422 from
an admission webhook) lets go of the warm colour before it says so.

`flip_back` let go of its hold only for NotReady, LiveChanged and its own refusals; any other definite answer of the
API went up to the rollback, which published the refusal with the colour still marked awaiting approval for the
previous release: every new release of the app then failed at deploy.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.kube.api_errors import ApiError
from services.shared.kube.platform import KubePlatform
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import deployment
from tests.switcher.running import live_and_staged, switcher

pytestmark = pytest.mark.cluster


class SwitchForbidden:
    """The cluster, whose API server forbids the rollback's switch back to blue."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def switch(self, app: Any, expected: Colour | None, to: Colour, release_id: str) -> bool:
        if (to, release_id) == (Colour.BLUE, "r1"):
            raise ApiError(403, "Forbidden", 'services "demo-service" is forbidden: cannot patch (test)')
        return await self.inner.switch(app, expected, to, release_id)


async def test_a_rollback_refused_by_the_api_lets_go_of_the_colour_it_held(bus_settings: BusSettings,
                                                                          kube: KubeTarget) -> None:
    async with kube.platform() as inner:
        async with switcher(bus_settings, kube, platform=SwitchForbidden(inner)) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]

            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            refused = (await events.wait("r2", S.LIVE, count=2))[1]
            blue = await deployment(inner, kube, Colour.BLUE)
    assert "403 Forbidden" in refused.details["rollback_refused"], refused.details
    annotations = blue["metadata"]["annotations"]
    assert (annotations["greenlight.dev/release-id"], annotations["greenlight.dev/state"]) == ("r1", "retired")
    assert blue["spec"]["replicas"] == 2  # as found: warm, for the rollback asked again
