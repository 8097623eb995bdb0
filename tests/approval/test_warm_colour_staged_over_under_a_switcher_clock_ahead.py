"""An app's card shows no warm colour once a later release was staged on it, even when the switcher's clock runs
ahead of the API's: the card counted "later" from the switch's `live` (the switcher's clock) against releases'
creation (the API's), so a release staged on the warm colour within that skew was missed and the colour shown warm,
with a rollback the API then refused. It counts from the live release's creation, as the rollback's refusal does."""

from __future__ import annotations

from datetime import timedelta

from services.approval.settings import ApprovalSettings
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, api_client, live_release, reach, staged_release
from tests.approval.fakes import fake_pipeline
from tests.harness import running


async def test_a_warm_colour_staged_over_is_not_warm_whatever_the_switchers_clock(
        bus_settings: BusSettings, any_database: str, test_id: str) -> None:
    app = f"warm-skew-{test_id}"
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client:
        async with running(fake_pipeline(bus_settings, switcher_ahead=timedelta(minutes=2))):
            previous = await live_release(client, app)
            await live_release(client, app)
            await reach(client, previous, S.SUPERSEDED)
            warm = (await (await client.get(f"/apps/{app}", headers=APPROVER)).json())["warm"]
            assert warm is not None and warm["release"]["id"] == previous, warm  # the switch left it warm
            taken = await staged_release(client, app)  # staged on the warm colour, by the API's clock before `live`
            assert (await client.post(f"/releases/{taken}/reject", headers=APPROVER)).status == 200
            await reach(client, taken, S.REJECTED)
            card = await (await client.get(f"/apps/{app}", headers=APPROVER)).json()
            # What the card no longer offers, the API refuses: the two agree.
            refused = await client.post(f"/apps/{app}/rollback", json={"reason": "skew"}, headers=APPROVER)
            assert refused.status == 409, await refused.text()
    assert card["warm"] is None, card["warm"]
