"""A change has one lead time: from its commit to its FIRST time in production.

The same commit released again (rebuilt after a rollback, re-released, promoted again) is another deployment,
but not another change: it gave a second, longer lead-time sample (measured: 6 h and 48 h, a median of 27 h for
one change of 6 h). The first time may be before the window asked for: then the change's lead time belongs to
that earlier window, and the endpoint has to look that far back for it.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.dora import delivery_keys
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import SINCE, UNTIL, at, commit_of, released
from tests.metrics.test_delivery_endpoint import publish_all

H = 3600.0
X = commit_of("X")


def first_and_again() -> list:
    first = released("A", "shop", at(2, 1), at(2, 6), at(2), ((S.ROLLING_BACK, at(2, 7)), (S.ROLLED_BACK, at(2, 8))),
                     commit=X)
    again = released("B", "shop", at(3, 23), at(4), at(2), commit=X)  # the same commit, built and live again
    return [first, again]


def test_the_same_commit_live_again_is_a_deployment_without_a_second_lead_time() -> None:
    shop = delivery_keys(first_and_again(), SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (2, 1, 6 * H)


def test_a_commit_first_live_before_the_window_has_no_lead_time_in_it() -> None:
    shop = delivery_keys(first_and_again(), at(3), UNTIL).apps["shop"]
    assert (shop.deployments, shop.lead_time_samples, shop.lead_time_seconds) == (1, 0, None)


def test_the_same_commit_in_another_app_is_that_apps_change() -> None:
    other = released("C", "blog", at(4, 20), at(5), at(2), commit=X)
    report = delivery_keys([*first_and_again(), other], SINCE, UNTIL)
    assert (report.apps["blog"].lead_time_samples, report.apps["blog"].lead_time_seconds) == (1, 3 * 24 * H)


async def test_the_endpoint_looks_back_for_the_commits_first_time_live(
        any_database: str, client: TestClient[web.Request, web.Application]) -> None:
    # Both databases: the look back reads the events' JSON, which each reads its own way.
    await publish_all(client, first_and_again())
    response = await client.get("/metrics/delivery", params={"since": at(3).isoformat(), "app": "shop"},
                                headers=REQUESTER)
    assert response.status == 200, await response.text()
    shop = (await response.json())["overall"]
    assert (shop["deployments"], shop["lead_time_samples"], shop["lead_time_seconds"]) == (1, 0, None)
