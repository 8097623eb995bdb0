"""A release promoted from an earlier one (`from_release`) carries that release's commit and its lead time.

It redeploys the earlier release's image, built from that commit, so nothing is built and its own `built`
records no commits: a change that first reached production this way had no lead time (e.g. built and rejected
on Jan 2, promoted on Jan 4: no sample, where the change took 2 days 4 h from commit to production). A bare
`image:` release deploys an image Greenlight never built: its `commit` only says where greenlight.yaml was read,
so it has no lead time, and does not make that commit live either.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.dora import delivery_keys
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import SINCE, TO_SWITCH, UNTIL, at, commit_of, history, released
from tests.metrics.test_delivery_endpoint import publish_all

H = 3600.0
X = commit_of("R")
IMAGE = "registry.example.org/shop@sha256:" + "a" * 64
NOTHING_BUILT: dict[str, Any] = {"commits": [], "reused": True, "note": f"reused image {IMAGE}"}


def rejected(day: int = 2) -> list:
    steps = [(S.REQUESTED, at(day, 1)), *((s, at(day, 2)) for s in TO_SWITCH[:5]), (S.AWAITING_APPROVAL, at(day, 3)),
             (S.REJECTED, at(day, 4))]
    return history("R", "shop", steps, at(day - 1 if day > 1 else 30), commit=X)


def promoted(rid: str, source: str, live_day: int) -> list:
    return released(rid, "shop", at(live_day, 1), at(live_day, 4), commit=X, details={
        S.REQUESTED: {"from_release": source, "image": IMAGE}, S.BUILT: NOTHING_BUILT})


def test_a_promoted_release_is_measured_from_its_sources_commit() -> None:
    shop = delivery_keys([rejected(), promoted("P", "R", 4)], SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (1, 1, 3 * 24 * H + 4 * H)


def test_a_bare_image_release_has_no_lead_time_and_leaves_the_commit_unreleased() -> None:
    image = released("I", "shop", at(3, 1), at(3, 4), commit=X, details={
        S.REQUESTED: {"image": IMAGE}, S.BUILT: NOTHING_BUILT})
    built = released("B", "shop", at(5, 1), at(5, 4), at(1), commit=X)
    shop = delivery_keys([rejected(), image, built], SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (2, 1, 4 * 24 * H + 4 * H)


async def test_the_endpoint_finds_the_commit_time_of_a_source_built_before_the_window(
        any_database: str, client: TestClient[web.Request, web.Application]) -> None:
    # Both databases: the look back reads the events' JSON, which each reads its own way.
    await publish_all(client, [rejected(day=1), promoted("P", "R", 4)])
    response = await client.get("/metrics/delivery", params={"since": at(3).isoformat(), "app": "shop"},
                                headers=REQUESTER)
    assert response.status == 200, await response.text()
    shop = (await response.json())["overall"]
    # Committed Dec 30, 00:00, built and rejected Jan 1, promoted and live Jan 4, 04:00.
    assert (shop["deployments"], shop["lead_time_samples"], shop["lead_time_seconds"]) == (1, 1, 5 * 24 * H + 4 * H)
