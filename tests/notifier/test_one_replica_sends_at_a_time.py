"""Several notifier replicas: one consumes the queue and sends, the others stand by and take over when it goes.

The notifier keeps a release's events in order, and sends each once, within one process (a per-release lock and
its records). Two replicas consuming one queue would send one release's events from two processes at once, so
the notifier ran as one replica (Recreate), and a notification waited for its pod to be rescheduled. Now the
replica holding the queue's lock (an exclusive queue the broker deletes with its connection) consumes it.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from aiohttp import web

from services.notifier.app import ACTIVE, RECORDS, create_app
from services.notifier.records import Status
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from services.shared.settings import BusSettings
from tests.harness import serving
from tests.notifier.conftest import rig, walk
from tests.notifier.receiver import Receiver
from tests.notifier.records_written import RecordsWritten

TAKE_OVER_S = 10.0  # a look every partition check interval (0.5 s), with room


async def first_active(*apps: web.Application) -> web.Application:
    waits = {asyncio.ensure_future(app[ACTIVE].active.wait()): app for app in apps}
    try:
        done, _ = await asyncio.wait(waits, timeout=TAKE_OVER_S, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
    assert done, "no replica took the notifier's queue"
    return waits[next(iter(done))]


async def recorded(written: RecordsWritten, app: web.Application, release_id: str, count: int) -> None:
    async def delivered() -> bool:
        return sum(r.status is Status.DELIVERED for r in await app[RECORDS].of_release(release_id)) >= count

    await written.until(delivered, TAKE_OVER_S)


@pytest.mark.parametrize("goes", ["stops", "loses its connection"])
async def test_the_standby_takes_over_and_nothing_is_sent_twice_or_out_of_order(
        bus_settings: BusSettings, postgres_url: str, receiver: Receiver, goes: str,
        records_written: RecordsWritten) -> None:
    requested, *steps, awaiting, approved, switching, live = walk(
        "r1", "demo", S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING, S.AWAITING_APPROVAL, S.APPROVED,
        S.SWITCHING, S.LIVE)
    async with rig(bus_settings, postgres_url, receiver, notifier=False) as r, contextlib.AsyncExitStack() as stack:
        apps = [create_app(r.settings), create_app(r.settings)]
        replicas = {id(app): await stack.enter_async_context(contextlib.AsyncExitStack()) for app in apps}
        for app in apps:
            await replicas[id(app)].enter_async_context(serving(app))
        active = await first_active(*apps)
        standby = next(app for app in apps if app is not active)

        await r.publish(requested, *steps, awaiting)
        await receiver.wait_for(2)
        assert not standby[ACTIVE].active.is_set()
        # Gone between deliveries: one cut off between its subscriber's 2xx and its record is sent again by the
        # next replica (at-least-once, handlers.py), which this test does not count as sent twice.
        await recorded(records_written, active, requested.release_id, 2)

        if goes == "stops":
            await replicas[id(active)].aclose()
        else:  # as a killed process: the broker drops its lock with the connection, nothing said
            await active[BUS].connection.close()
        await asyncio.wait_for(standby[ACTIVE].active.wait(), TAKE_OVER_S)

        await r.publish(approved, switching, live)
        accepted = await receiver.wait_for(4)

    assert [d["id"] for d in accepted] == [e.message_id for e in (requested, awaiting, approved, live)]
    assert len(receiver.accepted) == 4
