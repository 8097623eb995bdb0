"""The step deadlines' delay queues lost while the broker was away (a node that came back without its definitions,
a quorum queue lost with its nodes, an operator's delete) are declared again, with their bindings, when the API's
connection comes back.

They were declared once, at start, on a channel then closed, which aio-pika's reconnect does not restore: the work
queues came back (their consumers declare them again), the deadlines did not, and until the API restarted no release
had a deadline: one nobody builds stayed `requested` for good, holding its app.
"""

from __future__ import annotations

import asyncio

from services.approval.settings import ApprovalSettings
from services.shared.db.runtime import DATABASE
from services.shared.deadlines import STEP_DEADLINES, deadline_queue_name
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import api_client, reach, request_release
from tests.approval.test_step_deadline import SHORT
from tests.harness import delete_queues
from tests.tcp_proxy import proxied


async def test_a_deadline_fires_after_its_queue_was_lost_while_the_broker_was_away(
        settings: ApprovalSettings) -> None:
    timers = [deadline_queue_name(settings.bus, step, SHORT.of(step)) for step in STEP_DEADLINES]
    async with proxied(settings.bus) as (proxy, via_proxy):
        async with api_client(settings.model_copy(update={"bus": via_proxy, "deadlines": SHORT})) as client:
            connection = client.app[BUS].connection
            back = asyncio.Event()
            connection.reconnect_callbacks.add(lambda _: back.set())
            await proxy.away()
            await delete_queues(settings.bus, *timers)
            await proxy.back()
            await asyncio.wait_for(back.wait(), 30)
            stuck = await request_release(client)  # no builder: only its deadline can end it
            await reach(client, stuck["id"], S.FAILED)
            failed = await client.app[DATABASE].get(stuck["id"])
    await delete_queues(settings.bus, *timers)
    assert failed is not None and failed.error is not None and failed.error.step == "build"
