"""A list (a jsonpath matching one value per instance, `$.instances[*].status`) or an object is a value a condition
on one JSON scalar cannot compare (README, Verdicts: "a list ... judged, it passed a failure-only check"). Against a
numeric literal it is inconclusive; against a string, `true`/`false` or `null` literal with `==` / `!=` it was
judged all the same: `["down", "down"] == "down"` is False, so `failure: == "down"` passed every instance down, and
`success: != "down"` did too. One instance down fails the check; two, and the release passes (auto-promotion,
kept live)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp import web

from services.analysis.probes import judge
from services.analysis.verdicts import Verdict
from services.shared.analysis_spec import Check
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis
from tests.fake_k8s.scenario import tap
from tests.harness import serving


def status_check(**conditions: str) -> Check:
    return Check.model_validate({"name": "status", "http": {"path": "/", "jsonpath": "$.instances[*].status"},
                                 **conditions})


@pytest.mark.parametrize("value", [["down", "down"], {"status": "down"}, [False, False], [None]])
@pytest.mark.parametrize(("which", "condition"), [
    ("failure", '== "down"'), ("success", '!= "down"'), ("failure", "== false"), ("success", "!= false"),
    ("failure", "!= null"),
])
def test_a_container_is_not_judged_by_a_scalar_equality(which: str, condition: str, value: Any) -> None:
    verdict, why = judge(status_check(**{which: condition}), value)
    assert verdict is Verdict.INCONCLUSIVE, (verdict, why)


async def test_every_instance_down_does_not_pass_a_failure_check(bus_settings: BusSettings) -> None:
    rid = f"downs-{uuid.uuid4().hex[:8]}"
    app = web.Application()

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"instances": [{"status": "down"}, {"status": "down"}]})

    app.router.add_get("/health", health)
    check = {"name": "status", "interval": 0.05, "count": 1, "failure": '== "down"',
             "http": {"path": "/health", "jsonpath": "$.instances[*].status", "timeout": 2}}
    async with serving(app, 0) as url, tap(bus_settings) as events, analysis(bus_settings) as service:
        await service[BUS].publish(analysing(rid, url + "/", check))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
    # Eligible for auto-promotion only with `successful`: every instance down is no pass.
    assert verdict.details["analysis"]["verdict"] != "successful", verdict.details["analysis"]["measurement"]
