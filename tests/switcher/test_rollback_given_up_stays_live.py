"""A rollback given up (the cluster API away past GREENLIGHT_RETRY_BUDGET) leaves its release `live`, saying why,
as a refused rollback does, and a rollback asked again once the API is back goes through.

`rolling_back` cannot go to `failed`, so the give-up used to publish nothing and only dead-letter the message: the
release stayed `rolling_back` for good, the app with no live release, and a second rollback was refused (409).
A post-promotion analysis given up (`verifying`, which cannot fail either) stays live the same way, inconclusive.
"""

from __future__ import annotations

import pytest

from services.shared.bus import REASON_HEADER
from services.shared.events import first_event
from services.shared.giveup import given_up
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.harness import dead_letters, make_release
from tests.switcher.running import ApiAway, live_and_staged, switcher


@pytest.mark.cluster
async def test_a_rollback_given_up_stays_live_and_can_be_asked_again(bus_settings: BusSettings,
                                                                     kube: KubeTarget) -> None:
    async with kube.platform() as inner:
        cluster = ApiAway(inner)
        async with switcher(bus_settings, kube, platform=cluster) as (app, events):  # type: ignore[arg-type]
            await app[BUS].publish(await live_and_staged(inner, kube, app))
            r2_live = (await events.wait("r2", S.LIVE))[0]
            cluster.away = True  # for longer than the tests' retry budget (4 s)
            await app[BUS].publish(r2_live.next(S.ROLLING_BACK, actor="ann", details={"reason": "errors"}))
            [dead] = await dead_letters(bus_settings, 1, timeout=30)
            assert "switcher gave up" in str((dead.headers or {})[REASON_HEADER])
            settled = (await events.wait("r2", S.LIVE, count=2))[1]
            assert settled.seq == r2_live.seq + 2
            assert settled.details["rollback_refused"].startswith("switcher gave up: platform unavailable")

            cluster.away = False
            await app[BUS].publish(settled.next(S.ROLLING_BACK, actor="ann", details={"reason": "again"}))
            await events.wait("r2", S.ROLLED_BACK)
            await events.wait("r1", S.LIVE, count=2)


def test_a_post_promotion_analysis_given_up_stays_live_inconclusive() -> None:
    verifying = first_event(make_release(rid="r9"), actor="ann").model_copy(update={"state": S.VERIFYING})
    verifying = verifying.model_copy(update={"release": verifying.release.model_copy(update={"state": S.VERIFYING}),
                                             "details": {"carry": {"colour": "green"}, "tally": {}}})
    live = given_up(verifying, "analysis", "analysis gave up: delivered 5 times and never settled")
    assert live is not None and live.state is S.LIVE and live.seq == verifying.seq + 1
    assert live.details["colour"] == "green"
    assert live.details["analysis"]["verdict"] == "inconclusive"
    assert live.details["analysis"]["reason"].startswith("analysis gave up")
