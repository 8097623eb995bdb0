"""A rollback whose previous colour was taken by a later release is refused at once (409 naming that release) however
many releases came after it: here 150 that failed at lint, more than the page of 100 the check once read and
stopped at, answering 202 for a rollback the switcher then refused. On SQLite and PostgreSQL."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.events import first_event
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, api_client, live_release, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import make_release, running

LATER = 150


async def test_a_colour_taken_before_many_failed_releases_is_still_seen(
        bus_settings: BusSettings, any_database: str, test_id: str) -> None:
    app = f"roll-{test_id}"
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        async with running(fake_pipeline(bus_settings)):
            previous = await live_release(client, app)
            await live_release(client, app)
            await reach(client, previous, S.SUPERSEDED)
            taken = await staged_release(client, app)  # staged on the previous release's colour...
            assert (await client.post(f"/releases/{taken}/reject", headers=APPROVER)).status == 200
            await reach(client, taken, S.REJECTED)  # ...which the deployer then frees: what ran there is gone
        # No pipeline from here on: releases that failed at lint, as the builder reports them, none near a colour.
        for n in range(LATER):
            requested = first_event(make_release(f"{test_id}-lint-{n:03}", app), actor="dev-requester")
            await client.app[BUS].publish(requested)
            await client.app[BUS].publish(requested.next(S.FAILED, actor="builder",
                                                         error=ReleaseError(step="lint", reason="DL3007")))
        await reach(client, f"{test_id}-lint-{LATER - 1:03}", S.FAILED)
        response = await client.post(f"/apps/{app}/rollback", json={"reason": "x"}, headers=APPROVER)
        body = await response.json()
    assert response.status == 409, body
    assert body["error"].endswith(f"release {taken} was staged on it since."), body
