"""An abort whose publish the broker refuses (a nack: the desk forgets its record and answers 503), while the
deployer, not having heard of any abort, logged `deploying` (the abort's seq) and `awaiting_approval` (the next)
meanwhile, leaves the release awaiting approval, where the log is: an approver's decision is taken.

The fold refuses a step after an ended release's seq (fold_release.py: an abort beside a step must not put the
release back in flight), so `awaiting_approval` was refused while the abort's record stood; `forget` folded again
only the record's own seq, and the release stayed `deploying`, where no decision can be made (found by a review of
that rule before it was released). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.approval.settings import ApprovalSettings
from services.shared.bus import PublishFailed
from services.shared.db.runtime import DATABASE
from services.shared.db.settings import DatabaseSettings
from services.shared.events import ReleaseEvent
from services.shared.protocol import ReleaseState as S
from services.shared.release import Colour
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, advance, api_client, request_release

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


async def test_a_refused_abort_leaves_the_release_awaiting_approval(settings: ApprovalSettings) -> None:
    async with api_client(settings) as client:
        database, bus = client.app[DATABASE], client.app[BUS]
        release_id = (await request_release(client, app="demo"))["id"]
        await advance(client, release_id, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED)
        pushed = await database.latest(release_id)
        assert pushed is not None and pushed.state is S.PUSHED
        deploying = pushed.next(S.DEPLOYING, actor="deployer", standby_colour=Colour.GREEN)
        staged = deploying.next(S.AWAITING_APPROVAL, actor="deployer")
        real = bus.publish

        async def publish(event: ReleaseEvent) -> None:
            if event.state is not S.FAILED:
                return await real(event)
            # While the abort's publish waits for its confirm, the deployer's two steps reach the log and are
            # folded; then the broker nacks the abort.
            await real(deploying)
            await real(staged)
            async with asyncio.timeout(10):
                while True:
                    version = database.version
                    if any(h.event.seq == staged.seq for h in await database.history(release_id)):
                        break
                    await database.changed(version, 1.0)
            raise PublishFailed("nacked") from aio_pika.exceptions.DeliveryError(None, None)  # type: ignore[arg-type]

        bus.publish = publish  # type: ignore[method-assign]
        aborted = await client.post(f"/releases/{release_id}/abort", json={"reason": "wrong commit"},
                                    headers=APPROVER)
        bus.publish = real  # type: ignore[method-assign]
        assert aborted.status == 503, await aborted.text()

        shown = await database.get(release_id)
        history = [(h.event.seq, h.event.state.value, h.note) for h in await database.history(release_id)]
        approve = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
        answer = (approve.status, (await approve.text())[:200])
        assert shown is not None and shown.state is S.AWAITING_APPROVAL and approve.status == 200, (
            shown and shown.state.value, history[-3:], answer)
