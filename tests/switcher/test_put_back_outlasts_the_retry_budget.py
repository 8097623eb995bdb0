"""A release that failed while its colour serves live traffic gets the previous release put back however long the
cluster stays away within GREENLIGHT_SWITCHER_PUT_BACK_BUDGET (24 h), not only within GREENLIGHT_RETRY_BUDGET
(5 min): a failed release serving users is an outage. Here the cluster API goes away just after the switch's flip
and stays away for longer than the general budget (2 s here) counted from the put-back's first try; the put-back
goes on retrying through the broker, each retry past the general budget logged as an error naming the release and
its colour, and once the API answers the previous release serves again. It used to give up with the general
budget, leaving the failed release serving until the next release's switch.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import service
from tests.switcher.running import ApiAway, live_and_staged, put_back_seen, refused_for, switcher

pytestmark = pytest.mark.cluster

GENERAL = 2.0  # GREENLIGHT_RETRY_BUDGET, seconds; the retry tiers are the tests' 0.2, 0.4, 0.8 s


async def test_the_previous_release_serves_again_after_the_retry_budget(bus_settings: BusSettings,
                                                                        kube: KubeTarget) -> None:
    bus = bus_settings.model_copy(update={"retry_budget": timedelta(seconds=GENERAL)})
    async with kube.platform() as inner:
        cluster = ApiAway(inner, after_flip=True)
        with capture_logs() as logs:
            async with switcher(bus, kube, platform=cluster,  # type: ignore[arg-type]
                                put_back_budget=timedelta(minutes=10)) as (app, events):
                await app[BUS].publish(await live_and_staged(inner, kube, app))
                [failed] = await events.wait("r2", S.FAILED)  # the switch gave up after GREENLIGHT_RETRY_BUDGET
                assert failed.release.error is not None and "switcher gave up" in failed.release.error.reason
                assert (await service(inner, kube))["spec"]["selector"]["role"] == "green"  # r2 serves, failed

                put_back_from = len(cluster.calls)  # the switch made no call since: these are the put-back's
                try:  # refused for the general budget and two more of the longest retries
                    await cluster.until(lambda calls: refused_for(calls[put_back_from:]) > GENERAL + 1.6, 30)
                except TimeoutError:
                    pytest.fail("the put-back stopped trying within GREENLIGHT_RETRY_BUDGET: "
                                f"{refused_for(cluster.calls[put_back_from:]):.1f} s")

                svc, blue, green = await put_back_seen(inner, kube, cluster)
    assert svc["spec"]["selector"]["role"] == "blue"
    assert blue["metadata"]["annotations"]["greenlight.dev/release-id"] == "r1"
    assert blue["metadata"]["annotations"]["greenlight.dev/state"] == "live"
    assert green["metadata"]["annotations"]["greenlight.dev/state"] == "released"
    assert green["spec"]["replicas"] == 0
    assert events.of("r1")[-1][0] is S.LIVE
    overdue = [line for line in logs if line["log_level"] == "error" and line.get("colour") == "green"
               and "failed release r2 may still serve live traffic on green" in line["event"]]
    assert len(overdue) >= 2, [line["event"] for line in logs if line["log_level"] == "error"]
    assert all(line["release"] == "r2" and line["previous"] == "r1" for line in overdue)
    assert all(line["down_for"] >= GENERAL - 1 for line in overdue)
    assert not any("gave up putting" in line["event"] for line in logs)
