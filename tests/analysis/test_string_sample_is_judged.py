"""A query whose result is a string (resultType `string`) is judged as that string, as a condition's JSON literal
can be one: it does not crash the handler into retries, and then into failing the release as a crash."""

from __future__ import annotations

import uuid
from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.prometheus import prometheus_scraping
from tests.analysis.running import analysing, analysis
from tests.fake_k8s.scenario import tap


async def test_a_string_result_is_judged_as_a_string(bus_settings: BusSettings, tmp_path: Path) -> None:
    rid = f"str-{uuid.uuid4().hex[:8]}"
    check = {"name": "mode", "interval": 0.05, "count": 2, "success": '== "ready"',
             "prometheus": {"query": '"ready"'}}
    async with prometheus_scraping(tmp_path) as (url, _), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        await app[BUS].publish(analysing(rid, "http://unused/", check))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
    assert verdict.state is S.AWAITING_APPROVAL, verdict.release.error
    assert verdict.details["analysis"]["verdict"] == "successful"
    assert [m["value"] for m in verdict.details["analysis"]["measurements"]] == ["ready", "ready"]
