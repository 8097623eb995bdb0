"""A decision on a release whose give-up (`failed`, on the seq after `awaiting_approval`) the log has delivered to
this process's projector, not folded yet, is refused as a decision on a failed release, as the gate promises for
any event delivered and not folded (gate.py). Seen: the gate returned at once when the folded state was
`awaiting_approval`, without looking at what was delivered; the approval was recorded on the give-up's seq and
answered 200; the projector then kept the log's `failed` as a conflict beside it; the read model showed the release
`approved` (in flight: every new release of the app 409) though every service reading the log saw it fail, and the
switcher, which heard it end, never acted on the `approved`: the app was held until someone aborted it or its switch
deadline failed it again. The `failed` is put on the log stream alone here, standing for the moment before this
process's ended-releases queue hears of it (a queue of its own, delivered independently); the test holds the fold."""

from __future__ import annotations

import asyncio

import aio_pika

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.giveup import given_up
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, REPO, REQUESTER, TO_APPROVAL, advance, api_client, reach, request_release
from tests.harness import HeldFold


async def test_an_approval_on_a_delivered_give_up_is_refused(settings: ApprovalSettings, any_database: str) -> None:
    async with api_client(settings) as client:
        database, bus = client.app[DATABASE], client.app[BUS]
        release_id = (await request_release(client, app="given-up"))["id"]
        await advance(client, release_id, *TO_APPROVAL)
        waiting = await database.latest(release_id)
        assert waiting is not None and waiting.state is S.AWAITING_APPROVAL
        # The approval service's policy watch gave the `awaiting_approval` message up: `failed`, on the next seq.
        failed = given_up(waiting, "approval", "approval gave up: delivered 5 times and never settled")
        assert failed is not None and failed.state is S.FAILED
        held = HeldFold(database)
        try:
            with database.watching(release_id) as delivered:
                channel = await bus.connection.channel()
                try:
                    await channel.default_exchange.publish(aio_pika.Message(
                        failed.dumps(), content_type="application/json", message_id=failed.message_id,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT, timestamp=failed.occurred_at,
                        headers={"app": failed.app, "state": failed.state.value, "seq": failed.seq}),
                        routing_key=settings.bus.log_stream)
                finally:
                    await channel.close()
                async with asyncio.timeout(10):  # delivered to the projector, held unfolded
                    while not any(item.event.state is S.FAILED for item in database.arrived(release_id)):
                        delivered.clear()
                        await delivered.wait()
            approved = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            answer = (approved.status, await approved.json())
        finally:
            held.release.set()
        marker = await request_release(client, app="marker-given-up")
        await reach(client, marker["id"], S.REQUESTED)  # everything logged before it is folded
        shown = await database.get(release_id)
        history = [(s.event.seq, s.event.state.value, s.note) for s in await database.history(release_id)]
        again = await client.post("/releases", json={"app": "given-up", "repository": REPO, "commit": "main"},
                                  headers=REQUESTER)
        again_answer = (again.status, await again.json())
        assert shown is not None and (answer[0], shown.state, again.status) == (409, S.FAILED, 202), (
            answer, shown and shown.state.value, history[-3:], again_answer)
