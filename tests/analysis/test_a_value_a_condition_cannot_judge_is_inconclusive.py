"""A value of another type than a condition's literal (a list where a jsonpath matched one value per instance, a
number sent as text, null) meets no `<op> <number>`: judged anyway, a failure-only check passed it (a release
eligible for auto-promotion, or kept live, on an error rate of 0.5) and a success-only one failed it. It says
nothing the condition can weigh: inconclusive, saying why, as Argo counts a condition it cannot evaluate an error."""

from __future__ import annotations

import uuid

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis, http_check
from tests.analysis.target import ScriptedTarget
from tests.fake_k8s.scenario import tap
from tests.harness import serving


@pytest.mark.parametrize(("answer", "shown"), [("several", "[0.5, 0.01]"), ("text", "'0.5'"), ("null", "None")])
@pytest.mark.parametrize("condition", [{"success": None}, {"failure": None}])
async def test_a_value_of_another_type_is_inconclusive(bus_settings: BusSettings, answer: str, shown: str,
                                                       condition: dict[str, None]) -> None:
    rid = f"type-{uuid.uuid4().hex[:8]}"
    target = ScriptedTarget(answer)
    async with serving(target.app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as app:
        await app[BUS].publish(analysing(rid, url + "/", http_check(count=1, **condition)))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
    assert verdict.state is S.AWAITING_APPROVAL, verdict.release.error
    assert verdict.details["analysis"]["verdict"] == "inconclusive"
    left = "failure: >= 0.1" if condition == {"success": None} else "success: <= 0.05"
    assert verdict.details["analysis"]["measurement"]["why"] == f"value {shown} cannot be judged by {left}"
