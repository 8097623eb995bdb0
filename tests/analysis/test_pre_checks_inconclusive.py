"""Inconclusive pre-promotion checks still ask a person, who sees why; limits tolerate what they say."""

from __future__ import annotations

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving


async def test_neither_condition_met_waits_for_a_person_saying_why(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("good", "inconclusive")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r1", url + "/", http_check()))
        waiting = (await events.wait("r1", S.AWAITING_APPROVAL))[0]
    verdict = waiting.details["analysis"]
    assert verdict["verdict"] == "inconclusive"
    assert verdict["reason"] == "check health: 1 inconclusive measurement(s), more than its inconclusive_limit of 0"
    assert verdict["measurement"]["why"] == "value 0.07 meets neither <= 0.05 nor >= 0.1"


async def test_nothing_at_the_jsonpath_is_inconclusive(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("missing")
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r2", url + "/", http_check()))
        waiting = (await events.wait("r2", S.AWAITING_APPROVAL))[0]
    assert waiting.details["analysis"]["measurement"]["why"] == "nothing at $.error_rate"


async def test_flapping_within_the_limits_passes(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("good", "bad", "good", "inconclusive", "good")
    check = http_check(count=5, failure_limit=1, inconclusive_limit=1)
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r3", url + "/", check))
        waiting = (await events.wait("r3", S.AWAITING_APPROVAL))[0]
    assert waiting.details["analysis"]["verdict"] == "successful"
    assert waiting.details["analysis"]["tally"] == {"health": [3, 1, 1]}


async def test_flapping_past_the_failure_limit_fails(bus_settings: BusSettings) -> None:
    target = ScriptedTarget("bad", "good", "bad")
    check = http_check(count=5, failure_limit=1)
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing("r4", url + "/", check))
        failed = (await events.wait("r4", S.FAILED))[0]
    assert failed.details["analysis"]["tally"] == {"health": [1, 2, 0]}
