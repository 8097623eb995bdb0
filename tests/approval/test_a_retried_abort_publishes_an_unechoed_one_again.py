"""An abort recorded but never published (its confirm timed out: the 503 says to retry) goes out on the retry.

The retry met the release `failed` with step `abort` in the read model and answered 200, "aborted", publishing
nothing: the log never heard of the abort, so no service did. The workers carried the release on (staged on the
standby, marked awaiting approval there) while the read model showed it ended and the app free; the next release
then failed at deploy ("standby owned by release … awaiting approval"). A retried rollback or decision publishes
its unechoed record again (echoes.py); an abort now does too.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.abort import STEP
from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import ReleaseError, utcnow
from tests.approval.conftest import APPROVER, advance, request_release, until

Client = TestClient[web.Request, web.Application]


async def test_a_retried_abort_publishes_the_recorded_one(client: Client) -> None:
    database = client.app[DATABASE]
    release_id = (await request_release(client))["id"]
    await advance(client, release_id, S.BUILDING, S.BUILT)
    built = await database.latest(release_id)
    assert built is not None
    lost = built.next(S.FAILED, actor="dev-approver", details={"aborted_by": "dev-approver", "reason": "wrong"},
                      error=ReleaseError(step=STEP, reason="aborted by dev-approver: wrong"))
    old = lost.model_copy(update={"occurred_at": utcnow() - timedelta(minutes=1), "release": lost.release.model_copy(
        update={"updated_at": utcnow() - timedelta(minutes=1)})})
    await database.record(old, strict=True)  # recorded; its publish never reached the broker (a 503 said so)

    retried = await client.post(f"/releases/{release_id}/abort", json={"reason": "wrong"}, headers=APPROVER)
    assert retried.status == 200 and (await retried.json())["state"] == "failed"
    echoed = await until(client, lambda e: e.release_id == release_id and e.state is S.FAILED, timeout=10)
    assert echoed.message_id == old.message_id
