"""An older API replica's event streams carry an event a newer Greenlight projected (a state this version does not
know) on, as stored and marked, under its state's name: the live tail of every stream, and a stream resumed with
Last-Event-ID before it (every event, one app's, one release's), and after it.

Before, the replica's one shared reader of the database (fanout.py) failed on it (a pydantic ValidationError), logged
an error and tried again, for ever: no stream of that replica got any event from it on, whatever app it followed. A
stream resumed before it ended at it, to be resumed there again by its client. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from services.approval.settings import ApprovalSettings
from services.shared.db.settings import DatabaseSettings
from services.shared.protocol import ReleaseState as S
from services.shared.runtime import BUS
from tests.approval.conftest import REQUESTER, api_client
from tests.approval.newer_replica import NEW_STATE, NEWER_FIELDS, TRACE_ID, newer_replica, newer_steps
from tests.approval.sse import Message, read_messages
from tests.db.conftest import chain
from tests.db.newer_events import logged, publish_bodies

UNKNOWN = "unknown_to_this_version"
R1 = ["requested", "building", "built", NEW_STATE, "pushed", "deploying", "awaiting_approval"]
R2 = [state.value for state in (S.REQUESTED, S.BUILDING, S.BUILT, S.PUSHING, S.PUSHED, S.DEPLOYING,
                                S.AWAITING_APPROVAL)]


@pytest.fixture
def settings(settings: ApprovalSettings, any_database: str) -> ApprovalSettings:
    return settings.model_copy(update={"database": DatabaseSettings()})  # from GREENLIGHT_DATABASE_URL


def shown(messages: list[Message]) -> list[tuple[str, str]]:
    return [(m.data["release_id"], m.event) for m in messages]


async def test_an_older_replicas_streams_carry_a_newer_versions_event_on(settings: ApprovalSettings,
                                                                         any_database: str) -> None:
    async with api_client(settings) as client:
        bus = client.app[BUS]
        async with client.get("/events", headers=REQUESTER) as live:  # from now: the live tail
            assert live.status == 200
            # r1 passes through the newer state; r2 (another app) comes after it in the log.
            await publish_bodies(bus, newer_steps(chain("r1", app="shop")) + logged(chain("r2", app="other")))
            async with newer_replica(bus, any_database):
                tail = await read_messages(live, 14)
        assert shown(tail) == [("r1", state) for state in R1] + [("r2", state) for state in R2]
        scanning = tail[3]
        assert scanning.data[UNKNOWN] and scanning.data["trace_id"] == TRACE_ID, scanning.data
        assert scanning.data["release"]["scan_report"] == NEWER_FIELDS["scan_report"]
        assert scanning.data["offset"] == scanning.id and all(UNKNOWN not in m.data for m in tail if m != scanning)

        before, first = tail[0].id - 1, tail[0].id
        for path, last, expected in (("/events", before, shown(tail)),
                                     ("/events?app=shop", before, shown(tail[:7])),
                                     ("/releases/r1/events", -1, shown(tail[:7])),
                                     ("/releases/r1/events", first, shown(tail[1:7])),
                                     ("/events", scanning.id, shown(tail[4:]))):  # resumed right after it
            async with client.get(path, headers={**REQUESTER, "Last-Event-ID": str(last)}) as resumed:
                assert resumed.status == 200, (path, await resumed.text())
                messages = await read_messages(resumed, len(expected))
            assert shown(messages) == expected, (path, last)
            assert [m.id for m in messages] == [m.id for m in tail if (m.data["release_id"], m.event) in expected]
