"""What answers for Prometheus but cannot be read as a sample (a native histogram sample, which has no `value`;
a gateway's JSON that is no Prometheus answer; an HTML error page) is inconclusive, saying so, like Prometheus
not answering: it does not crash the handler, whose retries then failed the release as if the app were at fault."""

from __future__ import annotations

import uuid

import pytest
from aiohttp import web

from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.analysis.running import analysing, analysis
from tests.fake_k8s.scenario import tap
from tests.harness import serving

HISTOGRAM = {"status": "success", "data": {"resultType": "vector", "result": [
    {"metric": {"app": "tmapp"}, "histogram": [1765000000.0, {"count": "3", "sum": "0.4", "buckets": []}]}]}}


def standing_in(status: int, body: str, content_type: str) -> web.Application:
    """What sits at the Prometheus URL: a proxy, a gateway, or a Prometheus with native histograms."""
    async def query(_: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/api/v1/query", query)
    return app


@pytest.mark.parametrize(("status", "body", "content_type", "why"), [
    (200, web.json_response(HISTOGRAM).text, "application/json", "prometheus answered no sample value"),
    (200, '["unauthorized"]', "application/json", "prometheus: HTTP 200, not a Prometheus answer"),
    (200, '{"status": "success", "data": null}', "application/json", "prometheus answered no sample value"),
    (502, "<html>Bad Gateway</html>", "text/html", "prometheus did not answer: HTTP 502, not JSON"),
])
async def test_an_unreadable_answer_is_inconclusive(bus_settings: BusSettings, status: int, body: str,
                                                    content_type: str, why: str) -> None:
    rid = f"unr-{uuid.uuid4().hex[:8]}"
    check = {"name": "p99", "interval": 0.05, "count": 2, "failure": "> 0.5", "prometheus": {"query": "x"}}
    async with serving(standing_in(status, body, content_type), 0) as url, tap(bus_settings) as events, \
            analysis(bus_settings, prometheus_url=url) as app:
        await app[BUS].publish(analysing(rid, "http://unused/", check))
        verdict = (await events.wait(rid, S.AWAITING_APPROVAL, S.FAILED))[0]
    assert verdict.state is S.AWAITING_APPROVAL, verdict.release.error
    assert verdict.details["analysis"]["verdict"] == "inconclusive"
    assert verdict.details["analysis"]["measurement"]["why"].startswith(why)
