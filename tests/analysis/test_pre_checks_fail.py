"""A failing pre-promotion check fails the release with the measurements; nothing more is measured."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving


async def test_a_bad_status_fails_the_release_at_once(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("good", "bad", "good")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r1", url + "/", http_check(count=5)))
        failed = (await events.wait("r1", S.FAILED))[0]

    assert failed.release.error is not None and failed.release.error.step == "analysis"
    assert failed.release.error.reason == ("pre-promotion analysis failed: check health: 1 failed measurement(s), "
                                           "more than its failure_limit of 0")
    last = failed.details["analysis"]["measurement"]
    assert (last["value"], last["verdict"], last["why"]) == (500, "failed", "status 500, expected [200]")
    assert [m["verdict"] for m in failed.details["analysis"]["measurements"]] == ["successful", "failed"]
    assert target.served == ["good", "bad"]  # stopped at the verdict, not at count
    assert failed.details["standby_colour"] == "green"  # the deployer frees it, as for any failure


async def test_a_value_meeting_the_failure_condition_fails(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("wrong")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r2", url + "/", http_check()))
        failed = (await events.wait("r2", S.FAILED))[0]
    last = failed.details["analysis"]["measurement"]
    assert (last["value"], last["verdict"]) == (0.5, "failed")
    assert last["why"] == "value 0.5 meets the failure condition >= 0.1"


async def test_a_slow_answer_past_the_timeout_fails(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("slow")
    check = http_check(http={"path": "/check", "jsonpath": "$.error_rate", "timeout": 0.3})
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r3", url + "/", check))
        failed = (await events.wait("r3", S.FAILED))[0]
        target.release_slow.set()
    assert failed.details["analysis"]["measurement"]["why"] == "no answer within 0.3 s"
