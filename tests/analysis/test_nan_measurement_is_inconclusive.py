"""A ratio with nothing to divide (no traffic: 0/0) is NaN in Prometheus. It says nothing about the release, like
no sample at all: inconclusive, whatever the conditions say. (NaN meets no `<op> <literal>`, so a failure-only
check passed it, and a success-only one failed it: an automatic rollback after a quiet switch.)"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.prometheus import prometheus_scraping
from tests.analysis.running import analysing, analysis
from tests.analysis.test_prometheus_check import of_tmapp
from tests.fake_k8s.scenario import tap

# Stale answers per cache miss: both counters stand still while no one asks for events, so 0/0.
RATIO = ('sum(rate(events_app_stale_served_total{app="{{ app }}"}[10s]))'
         ' / sum(rate(events_app_cache_misses_total{app="{{ app }}"}[10s]))')


@pytest.mark.parametrize("condition", [{"failure": "> 0.05"}, {"success": "<= 0.05"}])
async def test_a_nan_ratio_is_inconclusive(bus_settings: BusSettings, tmp_path: Path,
                                           condition: dict[str, str]) -> None:
    rid = f"nan-{uuid.uuid4().hex[:8]}"
    check = {"name": "stale", "interval": 0.05, "count": 2, "prometheus": {"query": RATIO}, **condition}
    async with prometheus_scraping(tmp_path) as (url, scraped), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        await scraped.at_least(3)  # two samples queryable: a rate
        await app[BUS].publish(of_tmapp(analysing(rid, "http://unused/", check)))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
    assert verdict.state is S.AWAITING_APPROVAL
    assert verdict.details["analysis"]["verdict"] == "inconclusive"
    assert verdict.details["analysis"]["measurement"]["why"] == "value NaN: nothing to divide (no traffic?)"
