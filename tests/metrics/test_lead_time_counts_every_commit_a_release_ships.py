"""Lead time for changes counts every commit a deployment ships (DORA), each once, at its first time live.

The builder records on `built` the commits reachable from the release's own and not from the one live when it was
requested (`shipped`). Before, only the head counted: a release of three commits made 24, 36 and 42 h before it went
live gave one sample of 24 h (with the first release's 24 h: a median of 24 h for four changes whose median is 30 h).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.dora import delivery_keys
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import SINCE, TO_SWITCH, UNTIL, at, commit_of, history, released
from tests.metrics.test_delivery_endpoint import publish_all

H = 3600.0
A, B1, B2, B3, C1, C2, D = (commit_of(n) for n in ("a", "b1", "b2", "b3", "c1", "c2", "d"))


def ships(*commits: tuple[str, datetime], since: str | None = None) -> dict[S, dict[str, Any]]:
    return {S.BUILT: {"shipped": {"since": since, "commits": [[sha, t.isoformat()] for sha, t in commits],
                                  "complete": since is not None, "note": None}}}


def first_and_second() -> list:
    a = released("A", "shop", at(1, 12), at(2), at(1), commit=A, details=ships((A, at(1))))
    b = released("B", "shop", at(3, 12), at(4), at(3), commit=B3,
                 details=ships((B3, at(3)), (B2, at(2, 12)), (B1, at(2, 6)), since=A))
    return [a, b]


def test_each_commit_a_release_ships_is_a_change() -> None:
    shop = delivery_keys(first_and_second(), SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (2, 4, 30 * H)


def test_a_commit_shipped_again_after_a_rollback_counts_once() -> None:
    # C ships c1, c2 and is rolled back; D, requested with B live again, ships them once more with its own d.
    c = released("C", "shop", at(4, 12), at(5), at(4, 12), commit=C2,
                 then=((S.ROLLING_BACK, at(5, 1)), (S.ROLLED_BACK, at(5, 2))),
                 details=ships((C2, at(4, 12)), (C1, at(4, 6)), since=B3))
    d = released("D", "shop", at(5, 12), at(6), at(5, 12), commit=D,
                 details=ships((D, at(5, 12)), (C2, at(4, 12)), (C1, at(4, 6)), since=B3))
    shop = delivery_keys([*first_and_second(), c, d], SINCE, UNTIL).apps["shop"]
    # a 24; b1 42, b2 36, b3 24; c1 18, c2 12 (at C, not again at D); d 12.
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (4, 7, 24 * H)


def test_a_promoted_release_counts_every_commit_its_source_build_shipped() -> None:
    steps = [(S.REQUESTED, at(2, 1)), *((s, at(2, 2)) for s in TO_SWITCH[:5]), (S.AWAITING_APPROVAL, at(2, 3)),
             (S.REJECTED, at(2, 4))]
    built = history("R", "shop", steps, at(1), commit=B3, details=ships((B3, at(1)), (B1, at(1, 12)), since=A))
    promoted = released("P", "shop", at(4, 1), at(4), commit=B3, details={
        S.REQUESTED: {"from_release": "R", "image": "registry.example.org/shop@sha256:" + "a" * 64},
        S.BUILT: {"commits": [], "reused": True}})
    shop = delivery_keys([built, promoted], SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (1, 2, 2.75 * 24 * H)


async def test_the_endpoint_counts_every_commit_shipped(any_database: str,
                                                        client: TestClient[web.Request, web.Application]) -> None:
    # Both databases: the read model's events carry `shipped` through to the keys.
    await publish_all(client, first_and_second())
    response = await client.get("/metrics/delivery", params={"since": SINCE.isoformat(), "app": "shop"},
                                headers=REQUESTER)
    assert response.status == 200, await response.text()
    shop = (await response.json())["overall"]
    assert (shop["deployments"], shop["lead_time_samples"], shop["lead_time_seconds"]) == (2, 4, 30 * H)
