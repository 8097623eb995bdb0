"""A retried approval that waits for the first try's publish (desk_records.py `_unechoed_once_sent`: a double click,
or a client retrying a request still under way) is not answered 200 "approved" when that publish is then nacked: the
first try forgets its record and answers 503, the retry woke to find nothing unechoed and answered as a repeated
decision with the release it had read before the wait (`_repeat_or_refuse` returns it unread): 200, state `approved`,
while nothing was recorded or published and the release still awaits approval. The approver stops there, believing
it approved. Before the wait the retry published the record at once, so its own publish could carry the decision."""

from __future__ import annotations

import asyncio
from typing import Any

import aio_pika
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.bus import PublishFailed
from services.shared.db.runtime import DATABASE
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, request_release
from tests.harness import waiting_signal

Client = TestClient[web.Request, web.Application]


async def test_a_retry_waiting_on_a_nacked_decision_is_not_answered_approved(client: Client) -> None:
    database, bus = client.app[DATABASE], client.app[BUS]
    release_id = (await request_release(client, app="nacked"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    recorded, nack = asyncio.Event(), asyncio.Event()
    record, publish = database.record, bus.publish

    async def spied_record(event: ReleaseEvent, **kwargs: Any) -> None:
        await record(event, **kwargs)
        if event.release_id == release_id and event.state is S.APPROVED:
            recorded.set()

    async def held_publish(event: ReleaseEvent) -> None:
        if event.release_id != release_id or event.state is not S.APPROVED:
            return await publish(event)
        await nack.wait()  # the broker answers the first try late, with a nack
        raise PublishFailed("nacked") from aio_pika.exceptions.DeliveryError(None, None)  # type: ignore[arg-type]

    database.record = spied_record  # type: ignore[method-assign]
    bus.publish = held_publish  # type: ignore[method-assign]
    try:
        first = asyncio.ensure_future(client.post(f"/releases/{release_id}/approve", headers=APPROVER))
        await asyncio.wait_for(recorded.wait(), 10)
        entered = waiting_signal(database)
        retry = asyncio.ensure_future(client.post(f"/releases/{release_id}/approve", headers=APPROVER))
        entered_wait = asyncio.ensure_future(entered.wait())
        try:
            await asyncio.wait([retry, entered_wait], timeout=10, return_when=asyncio.FIRST_COMPLETED)
        finally:
            entered_wait.cancel()
        nack.set()
        first_answer = await asyncio.wait_for(first, 10)
        retried = await asyncio.wait_for(retry, 20)
        answer = (retried.status, await retried.json())
    finally:
        database.record, bus.publish = record, publish  # type: ignore[method-assign]
    assert first_answer.status == 503, await first_answer.text()
    shown = await database.get(release_id)
    assert shown is not None
    claimed = answer[0] == 200 and answer[1].get("state") == "approved"
    assert not (claimed and shown.state is S.AWAITING_APPROVAL), (
        f"the retry answered {answer} while the release is {shown.state.value}: no decision was recorded")
