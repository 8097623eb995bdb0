"""A rollback whose previous colour was taken by a later release is refused at once (409 naming that release) however
many releases came after it: here 150 that failed at lint, more than the page of 100 the check once read and
stopped at, answering 202 for a rollback the switcher then refused. On SQLite and PostgreSQL."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, api_client, failed_at_lint, live_release, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

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
        await failed_at_lint(client, app, test_id, LATER)  # the pipeline stopped: none of them near a colour
        response = await client.post(f"/apps/{app}/rollback", json={"reason": "x"}, headers=APPROVER)
        body = await response.json()
    assert response.status == 409, body
    assert body["error"].endswith(f"release {taken} was staged on it since."), body
