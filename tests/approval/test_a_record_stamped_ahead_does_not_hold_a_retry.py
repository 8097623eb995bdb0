"""A retried decision that meets its own unechoed record (the first try's publish never reached the broker: a 503) is
answered within a publish's time, whatever time the record is stamped with. `echo(now=True)` waits until the record's
`occurred_at` plus the publish timeout and a second (desk_records.py `_unechoed_once_sent`), read against this
replica's clock and never bounded by it: a record made by a replica whose clock runs an hour ahead held the retry for
an hour, past every client's timeout (the CLI's is 15 s), each retry of the client another request held as long."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.protocol import ReleaseState as S
from services.shared.release import utcnow
from services.shared.runtime import BUS
from tests.approval.conftest import APPROVER, TO_APPROVAL, advance, reach, request_release

Client = TestClient[web.Request, web.Application]
SKEW = timedelta(hours=1)  # the recording replica's clock, ahead of this one's


async def test_a_retry_meeting_a_record_stamped_ahead_is_answered_within_a_publish_time(client: Client) -> None:
    database = client.app[DATABASE]
    release_id = (await request_release(client, app="skewed"))["id"]
    await advance(client, release_id, *TO_APPROVAL)
    waiting = await database.latest(release_id)
    assert waiting is not None
    lost = waiting.next(S.APPROVED, actor="dev-approver", approver="dev-approver",
                        details={"comment": None, "admin_override": False})
    stamped = utcnow() + SKEW
    ahead = lost.model_copy(update={"occurred_at": stamped,
                                    "release": lost.release.model_copy(update={"updated_at": stamped})})
    await database.record(ahead, strict=True)  # recorded by that replica; its publish never reached the broker

    bound = client.app[BUS].settings.publish_timeout + 1 + 4  # a publish's time, and a margin for a slow machine
    try:
        async with asyncio.timeout(bound):
            retried = await client.post(f"/releases/{release_id}/approve", headers=APPROVER)
            answer = (retried.status, await retried.json())
    except TimeoutError:
        pytest.fail(f"the retried approval was not answered within {bound:g}s: it waits for a record stamped "
                    f"{SKEW} ahead to have had its publish time")
    assert answer[0] == 200 and answer[1]["state"] == "approved", answer
    await reach(client, release_id, S.APPROVED)  # published again: the log has it
