"""Post-promotion checks: the switched release is verified; a failure rolls back at once to the warm colour."""

from __future__ import annotations

import pytest
from aiohttp import web

from services.shared.analysis_spec import AnalysisSpec
from services.shared.events import ReleaseEvent
from services.shared.kube.platform import KubePlatform
from services.shared.platform import ColourStatus
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.fixtures import KubeTarget
from tests.fake_k8s.scenario import SPEC, app_ref, event, make_live, service, stage
from tests.harness import serving
from tests.switcher.running import logged, switcher

pytestmark = pytest.mark.cluster


async def approved_with_post_checks(platform: KubePlatform, kube: KubeTarget, app: web.Application,
                                    **check: object) -> ReleaseEvent:
    """r1 live on blue, r2 staged on green and approved, its greenlight.yaml carrying one post check."""
    spec = SPEC.model_copy(update={"namespace": kube.namespace, "analysis": AnalysisSpec.model_validate(
        {"post": [http_check(**check)]})})
    await make_live(platform, kube, Colour.BLUE, "r1", kube.images[0])
    await stage(platform, kube, Colour.GREEN, "r2", kube.images[1], ColourStatus.AWAITING_APPROVAL)
    await logged(app, event("r1", S.LIVE, kube, image=kube.images[0], standby_colour=Colour.BLUE))
    return event("r2", S.APPROVED, kube, spec=spec, image=kube.images[1], live_colour=Colour.BLUE,
                 standby_colour=Colour.GREEN, previous_release="r1", approver="carol")


async def test_a_failing_post_check_rolls_back_to_the_warm_colour(bus_settings: BusSettings,
                                                                 kube: KubeTarget) -> None:
    target = ScriptedTarget("good", "bad")
    async with serving(target.app, 0) as url, kube.platform() as platform, \
            switcher(bus_settings, kube) as (app, events), analysis(bus_settings, live_url=url + "/") as _:
        await app[BUS].publish(await approved_with_post_checks(platform, kube, app, count=5))
        rolling = (await events.wait("r2", S.ROLLING_BACK))[0]
        rolled_back = (await events.wait("r2", S.ROLLED_BACK))[0]
        restored = (await events.wait("r1", S.LIVE, count=2))[1]
        selector = (await service(platform, kube))["spec"]["selector"]["role"]
        state = await platform.read(app_ref(kube))

    assert [s for s, _ in events.of("r2")][-5:] == [S.SWITCHING, S.VERIFYING, S.VERIFYING, S.ROLLING_BACK,
                                                     S.ROLLED_BACK]
    assert rolling.actor == "analysis"
    assert rolling.details["reason"] == ("post-promotion analysis failed: check health: 1 failed measurement(s), "
                                         "more than its failure_limit of 0")
    assert [m["verdict"] for m in rolling.details["analysis"]["measurements"]] == ["successful", "failed"]
    assert rolled_back.details["restored"] == "r1" and restored.details == {"restored_by_rollback_of": "r2"}
    assert selector == "blue"
    assert state.colours[Colour.GREEN].status is ColourStatus.RETIRED


async def test_passing_post_checks_make_the_release_live(bus_settings: BusSettings, kube: KubeTarget) -> None:
    target = ScriptedTarget("good")
    async with serving(target.app, 0) as url, kube.platform() as platform, \
            switcher(bus_settings, kube) as (app, events), analysis(bus_settings, live_url=url + "/") as _:
        await app[BUS].publish(await approved_with_post_checks(platform, kube, app))
        verifying = (await events.wait("r2", S.VERIFYING))[0]
        live = (await events.wait("r2", S.LIVE))[0]
        selector = (await service(platform, kube))["spec"]["selector"]["role"]

    assert verifying.actor == "switcher" and verifying.details["colour"] == "green"
    assert selector == "green"  # switched before verifying
    assert live.actor == "analysis" and live.details["analysis"]["verdict"] == "successful"
    # The switcher's facts (colour, warm colour and when it scales down) are passed on to the `live` event.
    assert {k: live.details[k] for k in verifying.details} == verifying.details
    assert target.served == ["good"] * 3
