"""A release being verified after the switch serves traffic: the app shows it live, each measurement is in its
history and on its stream, and neither an abort nor a manual rollback can cut in (the checks roll it back)."""

from __future__ import annotations

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import ADMIN, APPROVER, api_client, reach, request_release, until
from tests.approval.sse import read_messages

MEASURED = {"check": "health", "provider": "http", "value": 0.01, "verdict": "successful",
            "why": "value 0.01 meets <= 0.05", "at": "2026-12-01T12:00:00+00:00"}


async def test_verifying_is_live_for_the_app_and_cannot_be_aborted(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client:
        requested = await request_release(client)
        rid = requested["id"]
        event = await client.app[DATABASE].latest(rid)
        assert event is not None
        for state in (S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
                      S.SWITCHING):
            event = event.next(state, actor="pipeline", standby_colour=Colour.GREEN)
            await client.app[BUS].publish(event)
        verifying = event.next(S.VERIFYING, actor="switcher", details={"colour": "green"})
        await client.app[BUS].publish(verifying)
        await client.app[BUS].publish(verifying.next(S.VERIFYING, actor="analysis", details={"measurement": MEASURED}))
        await reach(client, rid, S.VERIFYING)
        await until(client, lambda e: e.release_id == rid and e.seq == verifying.seq + 1)

        detail = await (await client.get(f"/releases/{rid}", headers=APPROVER)).json()
        async with client.get(f"/releases/{rid}/events", headers={**APPROVER, "Last-Event-ID": "-1"}) as response:
            streamed = await read_messages(response, verifying.seq + 1)

        app = await (await client.get("/apps/demo", headers=APPROVER)).json()
        abort = await client.post(f"/releases/{rid}/abort", json={"reason": "no"}, headers=ADMIN)
        refused = await abort.json()
        rollback = await client.post("/apps/demo/rollback", json={"reason": "by hand"}, headers=APPROVER)
        blocked = await rollback.json()
        state = (await client.app[DATABASE].get(rid)).state  # type: ignore[union-attr]

    # Each measurement is an event the API and SSE show as it was taken.
    assert detail["history"][-1]["details"]["measurement"] == MEASURED
    assert (streamed[-1].event, streamed[-1].data["details"]["measurement"]) == ("verifying", MEASURED)
    assert app["live_colour"] == "green" and app["live_release"]["id"] == rid
    assert app["standby_release"] is None  # it is not waiting on a standby colour: it serves
    assert abort.status == 409 and refused["error"] == (
        "The release is live and being verified; it is rolled back if a check fails.")
    # This is also demo's first release, which no rollback could undo anyway: only the blocker shows that the
    # verification is what refused it.
    assert (rollback.status, blocked["blocking_release"], blocked["state"]) == (409, rid, "verifying"), blocked
    assert state is S.VERIFYING
