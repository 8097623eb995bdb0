"""A decision whose record lost to an opposite decision that was then undone (its publish nacked or returned, or its
release heard ending: `RecordingDesk.publish` forgets the record) is not answered with nonsense. The loser of the
record now meets `ChangedMeanwhile` and is answered as a late decision (decisions.py `_repeat_or_refuse`) from the
release as read afterwards: the rival's record gone, the release is awaiting approval again with no decision
recorded, and the answer was 409 "The release is awaiting_approval, not awaiting approval." (before this session's
change: "The release changed meanwhile (it is rejected now); reload and retry."). The decision can be made: it
should be, or the answer should say to retry. The rival is recorded and undone inside the loser's record here,
standing for the other replica's request."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.handlers import DESK
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, request_release

Client = TestClient[web.Request, web.Application]


async def test_a_decision_whose_rival_record_was_undone_is_not_told_it_is_not_awaiting_approval(
        client: Client) -> None:
    store = client.app[DESK].store
    release_id = (await request_release(client, app="undone"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    waiting = await store.latest(release_id)
    assert waiting is not None and waiting.state is S.AWAITING_APPROVAL
    rival = waiting.next(S.REJECTED, actor="dev-admin", approver="dev-admin",
                         details={"comment": "no", "admin_override": False})
    record = store.record

    async def raced(event: ReleaseEvent, **kwargs: Any) -> None:
        if event.release_id != release_id or event.state is not S.APPROVED:
            await record(event, **kwargs)
            return
        await record(rival, strict=True)  # the other replica's rejection, recorded first
        try:
            await record(event, **kwargs)  # loses: StaleWrite
        finally:
            await store.forget(rival)  # the rejection's publish was refused: its record undone

    store.record = raced  # type: ignore[method-assign]
    try:
        answer = await client.post(f"/releases/{release_id}/approve", json={"comment": "ok"}, headers=APPROVER)
        body = await answer.json()
    finally:
        store.record = record  # type: ignore[method-assign]
    shown = await store.get(release_id)
    # No decision holds the release: it may be approved now (200), or the caller told to retry; not told it is not
    # awaiting approval while it is.
    assert answer.status == 200 or "retry" in body.get("error", ""), (answer.status, body, shown and shown.state)
