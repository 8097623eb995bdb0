"""A release whose post-promotion checks failed served users, and its automatic rollback is a failed change.

With post checks the switcher publishes `verifying`, not `live`: traffic is already on the new release while
they are measured. A check that fails rolls it back (`verifying` → `rolling_back` → `rolled_back`) and it
never reaches `live`, so it counted as neither a deployment nor a failure: the change failure rate left out
exactly the failures Greenlight caught itself (measured: 0 deployments, no failure rate, for a release that
served for 12 minutes and was rolled back). In production since its switch: a deployment from its first
`verifying` or `live`, whichever came first.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.dora import delivery_keys
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import SINCE, TO_SWITCH, UNTIL, at, history
from tests.metrics.test_delivery_endpoint import publish_all

H = 3600.0
MEASURED = {"measurement": {"check": "errors", "provider": "http", "value": 500, "verdict": "fail"}}


def rolled_back_by_its_checks() -> list[ReleaseEvent]:
    steps = [(S.REQUESTED, at(3, 1)), *((s, at(3, 1)) for s in TO_SWITCH), (S.VERIFYING, at(3, 2)),
             (S.VERIFYING, at(3, 2, 5)), (S.ROLLING_BACK, at(3, 2, 10)), (S.ROLLED_BACK, at(3, 2, 12))]
    events = history("V", "shop", steps, at(3))
    return [e.model_copy(update={"details": MEASURED}) if e.seq == 11 else e for e in events]  # the measurement


def test_a_release_rolled_back_by_its_post_checks_is_a_failed_deployment() -> None:
    shop = delivery_keys([rolled_back_by_its_checks()], SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.failed_changes, shop.change_failure_rate) == (1, 1, 1.0)
    assert (shop.time_to_restore_seconds, shop.lead_time_seconds) == (12 * 60, 2 * H)


def test_a_release_whose_post_checks_passed_is_in_production_from_its_switch() -> None:
    passed = history("W", "shop", [(S.REQUESTED, at(4)), *((s, at(4)) for s in TO_SWITCH),
                                   (S.VERIFYING, at(4, 1)), (S.LIVE, at(4, 1, 30))], at(4))
    shop = delivery_keys([passed], SINCE, UNTIL).apps["shop"]
    assert (shop.deployments, shop.failed_changes, shop.lead_time_seconds) == (1, 0, 1 * H)


async def test_the_endpoint_counts_it(any_database: str, client: TestClient[web.Request, web.Application]) -> None:
    await publish_all(client, [rolled_back_by_its_checks()])
    response = await client.get("/metrics/delivery", params={"since": SINCE.isoformat()}, headers=REQUESTER)
    shop = (await response.json())["apps"]["shop"]
    assert (shop["deployments"], shop["failed_changes"], shop["time_to_restore_seconds"]) == (1, 1, 12 * 60)
