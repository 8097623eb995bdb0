"""An app's card shows no warm colour once a later release was staged on it, however many releases came after
that one: here 150 that failed at lint, past the 20 newest releases the card once read and stopped at, showing the
colour warm (and the rollback that the API then refused) when what ran there was gone. On SQLite and PostgreSQL."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, api_client, failed_at_lint, live_release, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running

LATER = 150


async def test_a_warm_colour_staged_over_before_many_failed_releases_is_not_warm(
        bus_settings: BusSettings, any_database: str, test_id: str) -> None:
    app = f"warm-{test_id}"
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        async with running(fake_pipeline(bus_settings)):
            previous = await live_release(client, app)
            await live_release(client, app)
            await reach(client, previous, S.SUPERSEDED)
            warm = (await (await client.get(f"/apps/{app}", headers=APPROVER)).json())["warm"]
            assert warm is not None and warm["release"]["id"] == previous, warm  # the switch left it warm
            taken = await staged_release(client, app)  # staged on the warm colour...
            assert (await client.post(f"/releases/{taken}/reject", headers=APPROVER)).status == 200
            await reach(client, taken, S.REJECTED)  # ...which the deployer then frees: what ran there is gone
        await failed_at_lint(client, app, test_id, LATER)  # the pipeline stopped: none of them near a colour
        card = await (await client.get(f"/apps/{app}", headers=APPROVER)).json()
    assert card["warm"] is None, card["warm"]
