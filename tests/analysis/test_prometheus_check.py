"""Prometheus checks against a real Prometheus scraping the events app: placeholders, verdicts, outages."""

from __future__ import annotations

from pathlib import Path

from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.prometheus import prometheus_scraping
from tests.analysis.running import analysing, analysis
from tests.fake_k8s.scenario import tap

BUILD = 'events_app_build_info{app="{{ app }}", colour="{{ colour }}"}'


def check(**fields: object) -> dict[str, object]:
    return {"name": "build", "interval": 0.05, "count": 2, "prometheus": {"query": BUILD}, **fields}


def of_tmapp(event: ReleaseEvent) -> ReleaseEvent:
    """The release of app `tmapp`, the label the test's Prometheus puts on the events app's series."""
    return event.model_copy(update={"app": "tmapp", "release": event.release.model_copy(update={"app": "tmapp"})})


async def test_a_query_meeting_its_success_condition_passes(bus_settings: BusSettings, tmp_path: Path) -> None:
    async with prometheus_scraping(tmp_path, colour="green") as (url, _), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        event = analysing("r1", "http://unused/", check(success="== 1"))
        await app[BUS].publish(of_tmapp(event))
        waiting = (await events.wait("r1", S.AWAITING_APPROVAL))[0]
    assert waiting.details["analysis"]["verdict"] == "successful"
    assert [m["value"] for m in waiting.details["analysis"]["measurements"]] == [1.0, 1.0]


async def test_a_query_meeting_its_failure_condition_fails(bus_settings: BusSettings, tmp_path: Path) -> None:
    async with prometheus_scraping(tmp_path, colour="green") as (url, _), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        event = analysing("r2", "http://unused/", check(failure=">= 1"))
        await app[BUS].publish(of_tmapp(event))
        failed = (await events.wait("r2", S.FAILED))[0]
    assert failed.details["analysis"]["measurement"]["why"] == "value 1.0 meets the failure condition >= 1"


async def test_no_sample_for_this_colour_is_inconclusive(bus_settings: BusSettings, tmp_path: Path) -> None:
    # The app scraped is blue; the release's colour (green) has no series: nothing is known about it.
    async with prometheus_scraping(tmp_path, colour="blue") as (url, _), tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        await app[BUS].publish(of_tmapp(analysing("r3", "http://unused/", check(success="== 1"))))
        waiting = (await events.wait("r3", S.AWAITING_APPROVAL))[0]
    assert waiting.details["analysis"]["verdict"] == "inconclusive"
    assert waiting.details["analysis"]["measurement"]["why"] == "the query returned no sample"


async def test_prometheus_down_is_inconclusive_not_failed(bus_settings: BusSettings) -> None:
    async with tap(bus_settings) as events, analysis(bus_settings, prometheus_url="http://127.0.0.1:9") as app:
        await app[BUS].publish(analysing("r4", "http://unused/", check(success="== 1")))
        waiting = (await events.wait("r4", S.AWAITING_APPROVAL))[0]
    assert waiting.details["analysis"]["measurement"]["why"] == "prometheus did not answer: ClientConnectorError"
