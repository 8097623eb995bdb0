"""/healthz, /readyz once the log is replayed, and Prometheus metrics of releases, approvals and requests."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.approval import metrics
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, REQUESTER, reach, staged_release

Client = TestClient[web.Request, web.Application]


async def samples(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(await response.text()) for s in family.samples}


async def test_health_and_readiness(client: Client) -> None:
    assert await (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["database"] is True


async def test_metrics_count_releases_by_state_approval_waits_and_requests(
        client: Client, pipeline: web.Application, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "COUNT_EVERY", 0.0)  # each scrape counts afresh: a change shows at once
    release_id = await staged_release(client)
    before = await samples(client)
    assert before[("greenlight_releases", (("state", "awaiting_approval"),))] == 1
    assert before[("greenlight_releases", (("state", "live"),))] == 0
    await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
    await reach(client, release_id, S.LIVE)
    await client.get("/releases/nope", headers=REQUESTER)
    after = await samples(client)
    assert after[("greenlight_releases", (("state", "live"),))] == 1
    assert after[("greenlight_approval_wait_seconds_count", (("decision", "approved"),))] == 1
    assert after[("greenlight_http_requests_total", (("method", "POST"), ("route", "/releases"),
                                                     ("status", "202")))] == 1
    # Labelled by route template, so ids never become label values.
    assert after[("greenlight_http_requests_total", (("method", "GET"), ("route", "/releases/{id}"),
                                                     ("status", "404")))] == 1
