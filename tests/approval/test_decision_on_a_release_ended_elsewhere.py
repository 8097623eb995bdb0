"""A decision on a release the service heard end, though the read model shows it awaiting approval, is a 409.

Two analysis replicas handed one message (without partitions) can log `awaiting_approval` and `failed` with one
seq. The read model keeps the first, and shows the release awaiting approval; every service heard the `failed`
and refuses to carry the release further. An approval then was recorded and its publish refused: a 500, and the
read model kept an `approved` the log never had.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.bus import Bus
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, request_release
from tests.harness import logged_events

Client = TestClient[web.Request, web.Application]


async def test_an_approval_of_a_release_heard_failed_is_refused_and_recorded_nowhere(client: Client) -> None:
    release_id = (await request_release(client, app="twins"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    waiting = await client.app[DATABASE].get(release_id)
    assert waiting is not None and waiting.state is S.AWAITING_APPROVAL
    bus: Bus = client.app[BUS]
    # The twin `failed` at the same seq as the kept `awaiting_approval`: heard by every process, kept apart here.
    twin = (await client.app[DATABASE].history(release_id, [S.AWAITING_APPROVAL]))[-1].event
    bus.ended.add(twin.model_copy(update={"state": S.FAILED, "release": twin.release.model_copy(update={
        "state": S.FAILED, "error": ReleaseError(step="analysis", reason="p99 above 300 ms")})}))

    answer = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)

    assert answer.status == 409, await answer.text()
    body = await answer.json()
    assert body["error"] == "The release has failed: no approved can follow."
    assert body["state"] == "failed"
    shown = await client.app[DATABASE].get(release_id)
    assert shown is not None and shown.state is S.AWAITING_APPROVAL  # nothing recorded
    assert S.APPROVED not in [e.state for e in await logged_events(client.app[DATABASE])
                              if e.release_id == release_id]
