"""A rollback delivered again after it was refused is not acted on again: the release stays as the log says.

The switcher publishes the refusal (`live`, `rollback_refused`) and only then acks the `rolling_back`; a process killed
in between has the message delivered again (a copy published twice is the same). The rollback ran again from the
start: if the cause of the refusal had gone meanwhile (here: the API server forbade the first switch only), it flipped
live traffic back to the previous release and published `rolled_back` with the seq the refusal already holds, so the
log kept `live` for a release that no longer served anyone.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.shared.db.runtime import DATABASE
from services.shared.kube.api_errors import ApiError
from services.shared.kube.platform import KubePlatform
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from services.switcher.handlers import Switcher
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import Handled, live_and_staged, switcher

pytestmark = pytest.mark.cluster


class ForbiddenOnce:
    """The cluster, whose API server forbids the rollback's first switch back to blue, and no later one."""

    def __init__(self, inner: KubePlatform) -> None:
        self.inner = inner
        self.forbidden = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def switch(self, app: Any, expected: Colour | None, to: Colour, release_id: str) -> bool:
        if (to, release_id) == (Colour.BLUE, "r1") and not self.forbidden:
            self.forbidden = True
            raise ApiError(403, "Forbidden", 'services "demo-service" is forbidden: cannot patch (test)')
        return await self.inner.switch(app, expected, to, release_id)


async def test_a_refused_rollback_delivered_again_changes_nothing(bus_settings: BusSettings, kube: KubeTarget,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    handled = Handled(monkeypatch, Switcher)
    async with kube.platform() as inner:
        async with switcher(bus_settings, kube, platform=ForbiddenOnce(inner)) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]
            rolling = r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"})

            await app[BUS].publish(rolling)
            refused = (await events.wait("r2", S.LIVE, count=2))[1]
            assert "403 Forbidden" in refused.details["rollback_refused"], refused.details
            await app[BUS].publish(rolling)  # delivered again
            async with asyncio.timeout(20), handled.changed:
                await handled.changed.wait_for(
                    lambda: sum(e.release_id == "r2" and e.state is S.ROLLING_BACK for e in handled.events) == 2)
            selector = (await service(inner, kube))["spec"]["selector"]["role"]
            r2 = await app[DATABASE].get("r2")
    assert selector == "green", f"live traffic moved to {selector}; the log says r2 is {r2 and r2.state.value}"
    assert r2 is not None and (r2.state, r2.seq) == (S.LIVE, refused.seq)
