"""A rollback whose flip landed and which then met a refusal (here the cluster refusing once to mark the rolled-back
colour retired) is recorded as done at once: `rolled_back`, the previous release live, no refusal; and the mark is
made again (marked `live` still, the colour's scale-down timer would leave it up).

Its refusal was published first (the release `live` again, saying `rollback_refused`), while the Service served the
previous release; the switcher's attempt to log it again came after, and a retry (the process dying between the two,
the database away) found the refusal and took the rollback for settled, for good (found by a review, never
released).
"""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.db.runtime import DATABASE
from services.shared.platform import ColourStatus, PlatformError
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget, kube
from tests.fake_k8s.scenario import app_ref, service
from tests.harness import wait_for_state
from tests.switcher.running import live_and_staged, switcher

__all__ = ["kube"]
pytestmark = pytest.mark.cluster


class RetireRefused:
    """The cluster, refusing (once, when armed) to mark a colour retired."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.refused, self.armed = inner, 0, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def mark(self, app: Any, colour: Any, release_id: str, status: ColourStatus) -> Any:
        if status is ColourStatus.RETIRED and self.armed and not self.refused:
            self.refused += 1
            raise PlatformError("the cluster refused the patch (test)")
        return await self.inner.mark(app, colour, release_id, status)


async def test_a_rollback_refused_after_its_flip_landed_is_recorded_as_done(bus_settings: BusSettings,
                                                                            kube: KubeTarget) -> None:
    async with kube.platform() as inner:
        cluster = RetireRefused(inner)
        async with switcher(bus_settings, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]
            cluster.armed = True  # the rollback's mark of r2's colour, after its flip
            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            rolled_back = (await events.wait("r2", S.ROLLED_BACK))[0]
            assert rolled_back.seq == r2_live.seq + 2 and rolled_back.details["restored"] == "r1"
            await wait_for_state(app[DATABASE], "r1", S.LIVE)
            selector = (await service(inner, kube))["spec"]["selector"]["role"]
            row = await app[DATABASE].app("demo")
            # The mark the refusal cut short, made again: r2's colour retired, so its scale-down timer scales it.
            green = (await inner.read(app_ref(kube))).colour(Colour.GREEN)
    assert cluster.refused == 1
    assert [e.seq for e in events.events if e.release_id == "r2" and e.state is S.LIVE] == [r2_live.seq]
    assert selector == "blue"
    assert green is not None and (green.release_id, green.status) == ("r2", ColourStatus.RETIRED)
    assert (row.live and row.live.id, row.live_colour and row.live_colour.value) == ("r1", "blue")
