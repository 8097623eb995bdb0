"""`GET /metrics/delivery?since=` means one instant however it is written: in UTC, with an offset, or without one
(read as UTC, as documented).

The log's times are stored in UTC, and SQLite compares them as text: a `since` bound with its offset
(`...+09:00`) was compared by its wall-clock digits, so a Tokyo caller's window started nine hours late and
missed deployments. The window is now converted to UTC before the query.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.shared.db.runtime import DATABASE
from services.shared.release import utcnow
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER
from tests.harness import wait_for_state
from tests.metrics.delivery_log import released

Client = TestClient[web.Request, web.Application]
TOKYO = timezone(timedelta(hours=9))


async def test_since_with_an_offset_means_the_same_instant(client: Client) -> None:
    now = utcnow()
    events = released("R", "news", now - timedelta(hours=2), now - timedelta(hours=1))
    for event in events:
        await client.app[BUS].publish(event)
    await wait_for_state(client.app[DATABASE], "R", events[-1].state)
    start = now - timedelta(hours=3)  # the release went live two hours into the window
    spellings = (start.isoformat().replace("+00:00", "Z"), start.astimezone(TOKYO).isoformat(),
                 start.replace(tzinfo=None).isoformat())
    for since in spellings:
        answer = await client.get("/metrics/delivery", params={"since": since, "app": "news"}, headers=REQUESTER)
        assert answer.status == 200, await answer.text()
        body = await answer.json()
        assert body["overall"]["deployments"] == 1, (since, body)
        assert datetime.fromisoformat(body["since"]) == start, (since, body["since"])
