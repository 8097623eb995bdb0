"""A sample of +Inf or -Inf (a ratio over zero, a histogram's top bucket) is judged as the number it is, and its
event shows it as Prometheus writes it, "+Inf" / "-Inf": JSON has no infinity, and the event's measurement value
was written as `null`, which reads as no sample at all next to a verdict that judged one."""

from __future__ import annotations

import uuid
from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.prometheus import prometheus_scraping
from tests.analysis.running import analysing, analysis
from tests.fake_k8s.scenario import tap


async def test_an_infinite_sample_is_shown_as_plus_or_minus_inf(bus_settings: BusSettings, tmp_path: Path) -> None:
    rid = f"inf-{uuid.uuid4().hex[:8]}"
    up = {"name": "up", "count": 1, "failure_limit": 1, "failure": "> 1", "prometheus": {"query": "1/0"}}
    down = {"name": "down", "count": 1, "success": "< 0", "prometheus": {"query": "-1/0"}}
    async with prometheus_scraping(tmp_path) as (url, _), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        await app[BUS].publish(analysing(rid, "http://unused/", up, down))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
        measured = (await events.wait(rid, S.ANALYSING, count=2))[1:]
    shown = [(m["check"], m["value"], m["verdict"]) for m in verdict.details["analysis"]["measurements"]]
    assert shown == [("up", "+Inf", "failed"), ("down", "-Inf", "successful")]
    assert [e.details["measurement"]["value"] for e in measured] == ["+Inf"]  # the second came with the verdict
    assert verdict.details["analysis"]["measurement"]["value"] == "-Inf"
    assert verdict.details["analysis"]["verdict"] == "successful"
