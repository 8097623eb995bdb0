"""A query answering several series (one per pod, per status code...) is inconclusive, saying how many came back
and to aggregate the query: a condition judges one value, and taking the series Prometheus happens to list first
(Argo's `result[0]`, which Argo's own conditions write out) decided the release on an arbitrary one of them."""

from __future__ import annotations

import uuid
from pathlib import Path

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.prometheus import prometheus_scraping
from tests.analysis.running import analysing, analysis
from tests.analysis.test_prometheus_check import of_tmapp
from tests.fake_k8s.scenario import tap

# The events app's `up` (1) and a second series beside it (0), as a query without `sum` over two pods answers:
# whichever Prometheus lists first, the other one meets the other condition.
TWO_PODS = 'up{app="{{ app }}"} or label_replace(up{app="{{ app }}"} * 0, "pod", "second", "", "")'


async def test_a_query_answering_two_series_is_inconclusive(bus_settings: BusSettings, tmp_path: Path) -> None:
    rid = f"many-{uuid.uuid4().hex[:8]}"
    check = {"name": "up", "interval": 0.05, "count": 2, "success": "== 1", "failure": "== 0",
             "prometheus": {"query": TWO_PODS}}
    async with prometheus_scraping(tmp_path) as (url, _), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        await app[BUS].publish(of_tmapp(analysing(rid, "http://unused/", check)))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
    assert verdict.state is S.AWAITING_APPROVAL, verdict.release.error
    assert verdict.details["analysis"]["verdict"] == "inconclusive"
    measurement = verdict.details["analysis"]["measurement"]
    assert measurement["value"] is None
    assert measurement["why"] == ("the query returned 2 series; a check judges one value: aggregate the query to "
                                  "one series (e.g. sum(...), max(...))")
