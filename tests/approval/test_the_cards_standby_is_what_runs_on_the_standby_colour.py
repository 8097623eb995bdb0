"""The app card's standby release and warm colour name what runs on the standby colour now.

The card fell back to the newest superseded release whatever ran on its colour since: after a release staged there
was rejected (the deployer tears it down) it still named the superseded one, and after a rollback it named an older
one than the warm colour held. And the warm colour after a rollback looked only at releases created after the
rollback ended, so one requested during it (a rollback holds no app) and staged onto that colour afterwards left the
card naming the rolled-back release as warm."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, REQUESTER, live_release, reach, staged_release, until
from tests.harness import make_release

Client = TestClient[web.Request, web.Application]


async def card(client: Client) -> dict[str, Any]:
    return dict(await (await client.get("/apps/demo", headers=REQUESTER)).json())


def named(release: dict[str, Any] | None) -> str | None:
    return None if release is None else str(release["id"])


async def test_after_a_rejection_nothing_is_on_standby(client: Client, pipeline: web.Application) -> None:
    older = await live_release(client)
    await live_release(client)
    await reach(client, older, S.SUPERSEDED)
    assert named((await card(client))["standby_release"]) == older  # warm, for a rollback
    taken = await staged_release(client)  # on the older one's colour
    assert named((await card(client))["standby_release"]) == taken
    assert (await client.post(f"/releases/{taken}/reject", headers=APPROVER)).status == 200
    await reach(client, taken, S.REJECTED)
    after = await card(client)
    assert (after["standby_release"], after["warm"], after["in_flight"]) == (None, None, None)


async def test_after_a_rollback_the_standby_is_the_release_rolled_back(client: Client,
                                                                      pipeline: web.Application) -> None:
    await live_release(client)
    first = await live_release(client)
    second = await live_release(client)
    await reach(client, first, S.SUPERSEDED)
    assert (await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=APPROVER)).status == 202
    await reach(client, second, S.ROLLED_BACK)
    await until(client, lambda e: e.release_id == first and e.state == S.LIVE and e.seq > 11)
    after = await card(client)
    assert named(after["live_release"]) == first
    assert named(after["standby_release"]) == second == named(after["warm"]["release"])


async def test_a_release_requested_during_a_rollback_and_staged_after_it_takes_the_warm_colour(
        client: Client, pipeline: web.Application) -> None:
    first = await live_release(client)
    second = await live_release(client)
    await reach(client, first, S.SUPERSEDED)
    assert (await client.post("/apps/demo/rollback", json={"reason": "x"}, headers=APPROVER)).status == 202
    ended = await until(client, lambda e: e.release_id == second and e.state == S.ROLLED_BACK)
    await until(client, lambda e: e.release_id == first and e.state == S.LIVE and e.seq > 11)
    asked = next(s.event for s in await client.app[DATABASE].history(second) if s.event.state is S.ROLLING_BACK)
    warm = (await card(client))["warm"]
    assert named(warm["release"]) == second
    # Requested while the rollback ran, built for longer than it took, staged after it on the colour it freed.
    created = asked.occurred_at + (ended.occurred_at - asked.occurred_at) / 2
    event = first_event(make_release("during", "demo", created_at=created, updated_at=created), actor="dev-requester")
    await client.app[BUS].publish(event)
    for state, changes in ((S.BUILDING, {}), (S.BUILT, {}), (S.PUSHING, {}), (S.PUSHED, {}),
                           (S.DEPLOYING, {"standby_colour": Colour(warm["colour"]),
                                          "live_colour": Colour(warm["colour"]).other, "previous_release": first}),
                           (S.AWAITING_APPROVAL, {})):
        event = event.next(state, actor="test", **changes)
        await client.app[BUS].publish(event)
    await reach(client, "during", S.AWAITING_APPROVAL)
    after = await card(client)
    assert after["warm"] is None
    assert named(after["standby_release"]) == "during"
