"""A rollback to an earlier release (`POST /apps/{app}/rollback` with `to`) is a remediation in the delivery
metrics, as the warm-colour rollback is: the release it took off live traffic is a failed change, restored
when the rollback release went live, and the rollback release itself (an old image, nothing new) is a
restoration, not a deployment.

It was counted the other way round: the bad release, merely `superseded`, was a successful deployment, and the
rollback a new one, so a team that rolled back this way saw a change failure rate of 0."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.settings import BusSettings
from tests.approval.conftest import APPROVER, REQUESTER, api_client, live_release, reach
from tests.approval.fakes import fake_pipeline
from tests.harness import running


async def test_a_rollback_to_an_earlier_release_is_a_failed_change_restored(
        bus_settings: BusSettings, any_database: str, test_id: str) -> None:
    app = f"dora-{test_id}"
    async with api_client(ApprovalSettings(dev_tokens=True, bus=bus_settings)) as client, \
            running(fake_pipeline(bus_settings)):
        good = await live_release(client, app)
        bad = await live_release(client, app)
        answer = await client.post(f"/apps/{app}/rollback", json={"reason": "bad", "to": good}, headers=APPROVER)
        assert answer.status == 202, await answer.text()
        restoring = (await answer.json())["id"]
        await reach(client, restoring, S.LIVE)
        await reach(client, bad, S.SUPERSEDED)
        database = client.app[DATABASE]
        bad_live = next(s.event for s in await database.history(bad) if s.event.state is S.LIVE)
        restored = next(s.event for s in await database.history(restoring) if s.event.state is S.LIVE)
        answer = await client.get("/metrics/delivery", params={"app": app}, headers=REQUESTER)
        assert answer.status == 200, await answer.text()
        keys = (await answer.json())["overall"]
    assert (keys["deployments"], keys["failed_changes"], keys["change_failure_rate"]) == (2, 1, 0.5)
    assert keys["time_to_restore_seconds"] == (restored.occurred_at - bad_live.occurred_at).total_seconds()
