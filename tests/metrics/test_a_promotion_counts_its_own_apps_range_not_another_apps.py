"""A promoted release counts the commits its own app's build of the commit shipped, whatever other apps built it.

A promotion (`from_release`) builds nothing, so the commits it makes live are the range its source build recorded
(`built`'s `shipped`: the commits since the app's live one). The ranges were kept by commit alone, the first build
read winning: when another app of the same repository (a staging app beside production) had built that commit too,
its range, measured from its own live commit, stood for this app's. The overall figures and every `app=` view of
the shared 30 days then differed from the app's own window (`?app=shop&since=`, which reads no other app): here 1
lead-time sample of 3 days where shop shipped 2 changes, 3 and 2.5 days.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.dora import delivery_keys
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import REQUESTER
from tests.metrics.delivery_log import SINCE, TO_SWITCH, UNTIL, at, commit_of, history, released
from tests.metrics.test_delivery_endpoint import publish_all
from tests.metrics.test_lead_time_counts_every_commit_a_release_ships import ships

H = 3600.0
A, B1, B3, Z = (commit_of(n) for n in ("a", "b1", "b3", "z"))


def shop_and_staging() -> list[list[ReleaseEvent]]:
    # shop builds b3 (shipping b1 and b3 since a), rejected; promoted on day 4 from that build.
    steps = [(S.REQUESTED, at(2, 1)), *((s, at(2, 2)) for s in TO_SWITCH[:5]), (S.AWAITING_APPROVAL, at(2, 3)),
             (S.REJECTED, at(2, 4))]
    built = history("R", "shop", steps, at(1), commit=B3, details=ships((B3, at(1)), (B1, at(1, 12)), since=A))
    promoted = released("P", "shop", at(4, 1), at(4), commit=B3, details={
        S.REQUESTED: {"from_release": "R", "image": "registry.example.org/shop@sha256:" + "a" * 64},
        S.BUILT: {"commits": [], "reused": True}})
    # staging, from the same repository, built b3 too: b1 was already live there (its range since b1 is b3 alone).
    staging = released("S", "staging", at(2, 5), at(2, 6), at(1), commit=B3, details=ships((B3, at(1)), since=B1))
    return [staging, built, promoted]


def test_a_promotion_counts_its_own_apps_range() -> None:
    staging, built, promoted = shop_and_staging()
    alone = delivery_keys([built, promoted], SINCE, UNTIL).apps["shop"]
    assert (alone.deployments, alone.lead_time_samples, alone.lead_time_seconds) == (1, 2, 2.75 * 24 * H)
    beside = delivery_keys([staging, built, promoted], SINCE, UNTIL).apps["shop"]
    assert beside == alone


async def test_the_endpoint_reads_the_promotions_own_apps_build(
        any_database: str, client: TestClient[web.Request, web.Application]) -> None:
    # The read looked up no build of b3 at all: staging's had recorded its time, so it was known.
    await publish_all(client, shop_and_staging())
    every = await (await client.get("/metrics/delivery", params={"since": SINCE.isoformat()},
                                    headers=REQUESTER)).json()
    own = await (await client.get("/metrics/delivery", params={"since": SINCE.isoformat(), "app": "shop"},
                                  headers=REQUESTER)).json()
    assert own["overall"]["lead_time_samples"] == 2 and own["overall"]["lead_time_seconds"] == 2.75 * 24 * H
    lead = ("lead_time_samples", "lead_time_seconds")
    assert [every["apps"]["shop"][key] for key in lead] == [own["overall"][key] for key in lead]
