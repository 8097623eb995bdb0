"""A rollback given up after its flip landed (the cluster away right after the selector's patch, past the retry
budget) ends with the log saying what the cluster shows: the rolled-back release `rolled_back`, the previous one
live again on the colour the Service serves.

The give-up publishes `live` with `rollback_refused`, as if nothing had flipped; the let-go marker's handling found
the flip landed and only marked the colour live, so the log and the app's row kept r2 live on green for good while
the Service served r1 on blue. Failed on the old code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget, kube
from tests.fake_k8s.scenario import service
from tests.harness import dead_letters, wait_for_state
from tests.switcher.running import ApiAway, live_and_staged, switcher

__all__ = ["kube"]
pytestmark = pytest.mark.cluster


async def test_a_rollback_given_up_after_its_flip_landed_is_recorded_as_done(bus_settings: BusSettings,
                                                                             kube: KubeTarget) -> None:
    # Retries at most 2 s apart: the let-go marker, tried while the cluster is away, is tried again soon after.
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=2), "retry_max_delay": 2.0})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, away_after=(2,))  # away right after the rollback's flip (the 2nd switch)
        async with switcher(bus, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]
            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            await dead_letters(bus, 1, timeout=30)  # the rollback given up
            given_up = (await events.wait("r2", S.LIVE, count=2))[1]
            assert "rollback_refused" in given_up.details
            cluster.away = False  # the let-go marker's handling, retried, gets through
            again = (await events.wait("r2", S.ROLLING_BACK, count=2))[1]
            assert again.actor == "switcher" and again.details["landed"] is True
            rolled_back = (await events.wait("r2", S.ROLLED_BACK))[0]
            assert rolled_back.details["restored"] == "r1" and rolled_back.details["colour"] == "blue"
            await wait_for_state(app[DATABASE], "r1", S.LIVE)
            await wait_for_state(app[DATABASE], "r2", S.ROLLED_BACK)
            selector = (await service(inner, kube))["spec"]["selector"]["role"]
            row = await app[DATABASE].app("demo")
    assert len(cluster.switches) == 2  # the rollback's flip, made once
    assert selector == "blue"
    assert (row.live and row.live.id, row.live_colour and row.live_colour.value) == ("r1", "blue")
